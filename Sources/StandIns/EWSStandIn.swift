import Hummingbird
import HTTPTypes
public import NIOSSL
import Foundation

/// A local on-premises EWS endpoint at `/EWS/Exchange.asmx` that requires NTLM (a real NTLMv2
/// handshake, checked against the password) or Basic authentication, and
/// answers GetFolder for known mailboxes; `/owa` is a web page, as on a real server. Any other SOAP
/// body is echoed back unchanged (so pass-through tests can compare bytes), except one containing
/// `<m:Fail/>`, which gets a SOAP fault with HTTP 500, as Exchange sends them.
public final class EWSStandIn: Sendable {
    public let control: StandInControl
    public let server: StandInServer

    /// `users` maps logon names (`CORP\rooms` or UPNs) to passwords; `mailboxes` are the SMTP addresses
    /// that exist; of those, `restricted` ones answer GetFolder with ErrorAccessDenied.
    public init(users: [String: String], mailboxes: Set<String>, restricted: Set<String> = [], tls: TLSConfiguration) async throws {
        let control = StandInControl()
        let router = Router()
        let ntlm = NTLMAcceptor()
        router.post("EWS/Exchange.asmx") { request, _ in try await Self.ews(request, users: users, mailboxes: mailboxes, restricted: restricted, ntlm: ntlm, control: control) }
        router.get("owa") { _, _ in StandInHTTP.text("<html><body>Outlook</body></html>", contentType: "text/html; charset=utf-8") }
        router.post("owa") { _, _ in StandInHTTP.text("<html><body>Outlook</body></html>", contentType: "text/html; charset=utf-8") }
        self.control = control
        server = try await StandInServer(router: router, tls: tls, name: "ews")
    }

    public var ewsURL: String { server.baseURL + "/EWS/Exchange.asmx" }

    private static func ews(_ request: Request, users: [String: String], mailboxes: Set<String>, restricted: Set<String>, ntlm: NTLMAcceptor, control: StandInControl) async throws -> Response {
        let body = try await StandInHTTP.body(request)
        let authorization = request.headers[.authorization] ?? ""
        if authorization.hasPrefix("NTLM "), let message = Data(base64Encoded: String(authorization.dropFirst(5))).map(Array.init) {
            switch NTLMAcceptor.messageType(message) {
            case 1?:
                control.record("ntlm-negotiate", body: "")
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "NTLM " + Data(ntlm.challenge()).base64EncodedString()])
            case 3?:
                control.record("ntlm-authenticate", body: "")
                let lookup = { (logon: String) in users.first { $0.key.caseInsensitiveCompare(logon) == .orderedSame }?.value }
                guard let logon = ntlm.authenticate(message, password: lookup) else { return unauthorized() }
                return try await answer(body, logon: logon, mailboxes: mailboxes, restricted: restricted, control: control)
            default:
                return unauthorized()
            }
        }
        guard authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":"),
            users[String(decoded[..<colon])] == String(decoded[decoded.index(after: colon)...])
        else {
            control.record("unauthenticated", body: "")
            return unauthorized()
        }
        return try await answer(body, logon: String(decoded[..<colon]), mailboxes: mailboxes, restricted: restricted, control: control)
    }

    private static func unauthorized() -> Response {
        var headers: HTTPFields = [:]
        headers.append(HTTPField(name: .wwwAuthenticate, value: "NTLM"))
        headers.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"ews.standin\""))
        return Response(status: .unauthorized, headers: headers)
    }

    private static func answer(_ body: String, logon: String, mailboxes: Set<String>, restricted: Set<String>, control: StandInControl) async throws -> Response {
        control.record("/EWS/Exchange.asmx", body: body)
        if let fault = try await StandInHTTP.applyFault(control, garbage: "<html>maintenance</html>") { return fault }
        if body.contains("<m:Fail/>") {
            let fault = """
                <?xml version="1.0" encoding="utf-8"?>
                <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
                <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorInvalidRequest</faultcode>
                <faultstring xml:lang="en-US">The request is invalid.</faultstring></s:Fault></s:Body></s:Envelope>
                """
            return StandInHTTP.text(fault, status: .internalServerError, contentType: "text/xml; charset=utf-8")
        }
        guard body.contains("<m:GetFolder>") else {
            return StandInHTTP.text(body, contentType: "text/xml; charset=utf-8")
        }
        let requested = body.range(of: "<t:EmailAddress>").flatMap { start in
            body[start.upperBound...].range(of: "</t:EmailAddress>").map { String(body[start.upperBound..<$0.lowerBound]) }
        }
        let mailbox = requested ?? logon
        let code =
            requested == nil ? "NoError"
            : !mailboxes.contains(mailbox.lowercased()) ? "ErrorNonExistentMailbox"
            : restricted.contains(mailbox.lowercased()) ? "ErrorAccessDenied" : "NoError"
        let answer = """
            <?xml version="1.0" encoding="utf-8"?>
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
            <m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:ResponseMessages>
            <m:GetFolderResponseMessage ResponseClass="\(code == "NoError" ? "Success" : "Error")"><m:ResponseCode>\(code)</m:ResponseCode></m:GetFolderResponseMessage>
            </m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>
            """
        return StandInHTTP.text(answer, contentType: "text/xml; charset=utf-8")
    }
}
