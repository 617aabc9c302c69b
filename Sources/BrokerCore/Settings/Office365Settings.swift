import Foundation

/// Settings of an `office365` integration: a Microsoft Entra ID app and how it signs in.
public struct Office365Settings: Sendable, Equatable, Codable {
    /// How the broker gets Microsoft tokens.
    public enum Auth: String, Sendable, Codable, CaseIterable {
        case password
        case clientSecret = "client_secret"
        case certificate
    }

    public static let defaultScopes = ["https://graph.microsoft.com/.default"]

    public var account: String?
    public var tenant: String
    public var clientID: String
    public var auth: Auth
    public var certificate: String?
    public var scopes: [String]
    public var authority: String?
    /// When the client secret expires, as the admin recorded it (RFC 3339), for a warning before it does.
    public var clientSecretExpiresAt: String?

    public init(account: String?, tenant: String, clientID: String, auth: Auth, certificate: String? = nil, scopes: [String] = Self.defaultScopes, authority: String? = nil) {
        self.account = account
        self.tenant = tenant
        self.clientID = clientID
        self.auth = auth
        self.certificate = certificate
        self.scopes = scopes
        self.authority = authority
    }

    enum CodingKeys: String, CodingKey {
        case account, tenant, auth, certificate, scopes, authority
        case clientID = "client_id"
        case clientSecretExpiresAt = "client_secret_expires_at"
    }

    static func parse(_ reader: inout ObjectReader) -> Office365Settings? {
        let auth = reader.choice("auth", default: Auth.password)
        let account = reader.string("account", required: auth == .password)
        if let account, !FieldChecks.isEmail(account) {
            reader.fail("account", "must be an email address (the service account's sign-in name)")
        }
        var tenant = reader.string("tenant")
        if let given = tenant, !FieldChecks.isGUID(given), !FieldChecks.isDomain(given) {
            reader.fail("tenant", "must be the tenant's domain (corp.example) or its GUID")
        } else if let given = tenant, ["common", "consumers", "organizations"].contains(given.lowercased()) {
            reader.fail("tenant", "must name one tenant, not '\(given)'")
        }
        if tenant == nil, let account, FieldChecks.isEmail(account) {
            tenant = String(account.split(separator: "@")[1])
        }
        if tenant == nil, auth != .password {
            reader.fail("tenant", "is required for app-only sign-in (or give an account to take the domain from)")
        }
        let clientID = reader.string("client_id", required: true)
        if let clientID, !FieldChecks.isGUID(clientID) {
            reader.fail("client_id", "must be the app's client ID, a GUID (00000000-0000-0000-0000-000000000000)")
        }
        let certificate = reader.string("certificate")
        if auth == .certificate {
            if let certificate {
                if let problem = FieldChecks.pemProblem(certificate, labels: ["CERTIFICATE"]) { reader.fail("certificate", problem) }
            } else {
                reader.fail("certificate", "is required when auth is certificate (the PEM certificate uploaded to the app)")
            }
        } else if certificate != nil {
            reader.fail("certificate", "is only used when auth is certificate")
        }
        let scopes = reader.stringArray("scopes") ?? Self.defaultScopes
        if scopes.isEmpty { reader.fail("scopes", "must name at least one scope") }
        let authority = reader.string("authority")
        if let authority, let problem = FieldChecks.httpsURLProblem(authority) { reader.fail("authority", problem) }
        let expiresAt = FieldChecks.timestamp(&reader, "client_secret_expires_at")
        if expiresAt != nil, auth != .clientSecret { reader.fail("client_secret_expires_at", "is only used when auth is client_secret") }
        guard let auth, let tenant, let clientID else { return nil }
        var settings = Office365Settings(
            account: account, tenant: tenant, clientID: clientID, auth: auth,
            certificate: certificate, scopes: scopes, authority: authority)
        settings.clientSecretExpiresAt = expiresAt
        return settings
    }

    var requiredSecrets: Set<SecretField> {
        switch auth {
        case .password: [.password]
        case .clientSecret: [.clientSecret]
        case .certificate: [.privateKey]
        }
    }

    func warnings(now: Date, certificateNotAfter: (String) -> Date?) -> [IntegrationWarning] {
        var warnings: [IntegrationWarning] = []
        if auth == .certificate, let certificate, let notAfter = certificateNotAfter(certificate) {
            warnings += IntegrationWarning.expiry(of: "The app's certificate", code: "certificate", at: notAfter, now: now, remedy: "upload a new certificate to the app and here")
        }
        if auth == .clientSecret, let clientSecretExpiresAt, let expiry = FieldChecks.parseTimestamp(clientSecretExpiresAt) {
            warnings += IntegrationWarning.expiry(of: "The client secret", code: "client_secret", at: expiry, now: now, remedy: "create a new secret in Entra ID and enter it here")
        }
        if auth == .password {
            warnings.append(IntegrationWarning(
                code: "password_grant_legacy",
                message: "Signing in with a password is a legacy flow that MFA and conditional access block; Microsoft recommends an app-only certificate."))
        }
        if scopes.contains(where: { $0.lowercased().hasPrefix("https://outlook.office365.com/") }) {
            warnings.append(IntegrationWarning(
                code: "ews_scope_exchange_online",
                message: "EWS in Exchange Online is being retired; plan to move this integration to Microsoft Graph scopes."))
        }
        return warnings
    }
}
