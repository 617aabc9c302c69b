import Foundation

/// Settings of an on-premises `exchange` integration reached over EWS.
public struct ExchangeSettings: Sendable, Equatable, Codable {
    /// The HTTP authentication scheme EWS expects.
    public enum Auth: String, Sendable, Codable, CaseIterable {
        case ntlm
        case basic
    }

    public var ewsURL: String
    public var account: String
    public var username: String?
    public var auth: Auth
    public var caCertificate: String?

    public init(ewsURL: String, account: String, username: String? = nil, auth: Auth = .ntlm, caCertificate: String? = nil) {
        self.ewsURL = ewsURL
        self.account = account
        self.username = username
        self.auth = auth
        self.caCertificate = caCertificate
    }

    enum CodingKeys: String, CodingKey {
        case account, username, auth
        case ewsURL = "ews_url"
        case caCertificate = "ca_certificate"
    }

    static func parse(_ reader: inout ObjectReader) -> ExchangeSettings? {
        let ewsURL = reader.string("ews_url", required: true)
        if let ewsURL, let problem = FieldChecks.httpsURLProblem(ewsURL) {
            reader.fail("ews_url", problem, suggestion: FieldChecks.httpsSuggestion(for: ewsURL))
        }
        let account = reader.string("account", required: true)
        if let account, !FieldChecks.isEmail(account) {
            reader.fail("account", "must be the service account's email address")
        }
        let username = reader.string("username")
        if let username, !Self.isLogonName(username) {
            reader.fail("username", "must be DOMAIN\\user or a UPN (user@corp.example)")
        }
        let auth = reader.choice("auth", default: Auth.ntlm)
        let caCertificate = reader.string("ca_certificate")
        if let caCertificate, let problem = FieldChecks.pemProblem(caCertificate, labels: ["CERTIFICATE"]) {
            reader.fail("ca_certificate", problem)
        }
        guard let ewsURL, let account, let auth else { return nil }
        return ExchangeSettings(ewsURL: ewsURL, account: account, username: username, auth: auth, caCertificate: caCertificate)
    }

    private static func isLogonName(_ value: String) -> Bool {
        if FieldChecks.isEmail(value) { return true }
        let parts = value.split(separator: "\\", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !value.contains(where: \.isWhitespace)
    }
}

extension ExchangeSettings {
    func warnings(now: Date, certificateNotAfter: (String) -> Date?) -> [IntegrationWarning] {
        guard let caCertificate, let notAfter = certificateNotAfter(caCertificate) else { return [] }
        return IntegrationWarning.expiry(of: "The on-premises CA certificate", code: "ca_certificate", at: notAfter, now: now, remedy: "enter the CA's renewed certificate")
    }
}
