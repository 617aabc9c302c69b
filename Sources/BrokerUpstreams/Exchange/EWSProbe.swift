public import BrokerCore
import Foundation

/// The cheapest EWS call that proves credentials: GetFolder of the account's calendar (PROTOCOLS.md §3.2).
public struct EWSProbe: Sendable {
    let http: UpstreamHTTPClient

    public init(http: UpstreamHTTPClient) {
        self.http = http
    }

    /// The logon name sent: the configured username, or else the account.
    public static func logonName(_ settings: ExchangeSettings) -> String {
        settings.username ?? settings.account
    }

    public static func authentication(_ settings: ExchangeSettings, password: SecretValue) -> UpstreamRequest.Authentication {
        switch settings.auth {
        case .ntlm: .ntlm(username: logonName(settings), password: password)
        case .basic: .basic(username: logonName(settings), password: password)
        }
    }

    public func getCalendarFolder(_ settings: ExchangeSettings, password: SecretValue, mailbox: String? = nil) async throws -> UpstreamResponse {
        let mailboxElement = mailbox.map { "<t:Mailbox><t:EmailAddress>\(Self.escapeXML($0))</t:EmailAddress></t:Mailbox>" } ?? ""
        let envelope = """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
              <soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header>
              <soap:Body>
                <m:GetFolder>
                  <m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>
                  <m:FolderIds><t:DistinguishedFolderId Id="calendar">\(mailboxElement)</t:DistinguishedFolderId></m:FolderIds>
                </m:GetFolder>
              </soap:Body>
            </soap:Envelope>
            """
        return try await http.send(UpstreamRequest(
            method: "POST", url: settings.ewsURL, headers: [("Content-Type", "text/xml; charset=utf-8")],
            body: Array(envelope.utf8), authentication: Self.authentication(settings, password: password), extraCAPEM: settings.caCertificate))
    }

    /// The `ResponseCode` of an EWS answer (`NoError`, `ErrorNonExistentMailbox`, …) or a SOAP fault code.
    public static func responseCode(_ body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        for marker in ["ResponseCode>", "faultcode>"] {
            if let start = text.range(of: marker) {
                let rest = text[start.upperBound...]
                if let end = rest.firstIndex(of: "<") {
                    return String(rest[..<end]).split(separator: ":").last.map(String.init)
                }
            }
        }
        return nil
    }

    static func escapeXML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
