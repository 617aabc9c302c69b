/// Settings of a `google` integration: Link G Suite (OAuth) or a service account with domain-wide delegation.
public struct GoogleSettings: Sendable, Equatable, Codable {
    /// How the broker gets Google tokens.
    public enum Auth: String, Sendable, Codable, CaseIterable {
        case oauth
        case serviceAccount = "service_account"
    }

    public static let defaultScopes = ["https://www.googleapis.com/auth/calendar"]

    public var auth: Auth
    public var scopes: [String]
    public var expectedAccount: String?
    public var allowedDomain: String?
    public var clientEmail: String?
    public var subject: String?

    public init(auth: Auth, scopes: [String] = Self.defaultScopes, expectedAccount: String? = nil, allowedDomain: String? = nil, clientEmail: String? = nil, subject: String? = nil) {
        self.auth = auth
        self.scopes = scopes
        self.expectedAccount = expectedAccount
        self.allowedDomain = allowedDomain
        self.clientEmail = clientEmail
        self.subject = subject
    }

    enum CodingKeys: String, CodingKey {
        case auth, scopes, subject
        case expectedAccount = "expected_account"
        case allowedDomain = "allowed_domain"
        case clientEmail = "client_email"
    }

    static func parse(_ reader: inout ObjectReader) -> GoogleSettings? {
        let auth = reader.choice("auth", default: Auth.oauth)
        let scopes = reader.stringArray("scopes") ?? Self.defaultScopes
        if scopes.isEmpty { reader.fail("scopes", "must name at least one scope") }
        for (index, scope) in scopes.enumerated() where !scope.hasPrefix("https://www.googleapis.com/auth/") && !["openid", "email", "profile"].contains(scope) {
            reader.append([FieldError(field: "settings.scopes[\(index)]", message: "must be a Google OAuth scope (https://www.googleapis.com/auth/…)")])
        }
        let expectedAccount = reader.string("expected_account")
        if let expectedAccount, !FieldChecks.isEmail(expectedAccount) { reader.fail("expected_account", "must be an email address") }
        let allowedDomain = reader.string("allowed_domain")
        if let allowedDomain, !FieldChecks.isDomain(allowedDomain) { reader.fail("allowed_domain", "must be a domain such as corp.example") }
        if let expectedAccount, let allowedDomain, FieldChecks.isEmail(expectedAccount),
            !expectedAccount.lowercased().hasSuffix("@" + allowedDomain.lowercased())
        {
            reader.fail("expected_account", "is not in allowed_domain \(allowedDomain)")
        }
        let clientEmail = reader.string("client_email", required: auth == .serviceAccount)
        let subject = reader.string("subject", required: auth == .serviceAccount)
        if auth == .serviceAccount {
            if let clientEmail, !FieldChecks.isEmail(clientEmail) { reader.fail("client_email", "must be the service account's email (…@….iam.gserviceaccount.com)") }
            if let subject, !FieldChecks.isEmail(subject) { reader.fail("subject", "must be the email of the Workspace user to impersonate") }
        } else {
            if clientEmail != nil { reader.fail("client_email", "is only used when auth is service_account") }
            if subject != nil { reader.fail("subject", "is only used when auth is service_account") }
        }
        guard let auth else { return nil }
        return GoogleSettings(
            auth: auth, scopes: scopes, expectedAccount: expectedAccount, allowedDomain: allowedDomain,
            clientEmail: auth == .serviceAccount ? clientEmail : nil, subject: auth == .serviceAccount ? subject : nil)
    }

    var requiredSecrets: Set<SecretField> {
        switch auth {
        case .oauth: []
        case .serviceAccount: [.privateKey]
        }
    }
}
