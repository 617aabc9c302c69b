import Foundation

/// Settings of a generic `oauth2` integration (an FMIS, say) using client credentials.
public struct OAuth2Settings: Sendable, Equatable, Codable {
    /// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
    public enum ClientAuth: String, Sendable, Codable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
    }

    public var tokenURL: String
    public var clientID: String
    public var scopes: [String]
    public var audience: String?
    public var clientAuth: ClientAuth
    /// When the client secret expires, as the admin recorded it (RFC 3339), for a warning before it does.
    public var clientSecretExpiresAt: String?

    public init(tokenURL: String, clientID: String, scopes: [String] = [], audience: String? = nil, clientAuth: ClientAuth = .clientSecretBasic) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.scopes = scopes
        self.audience = audience
        self.clientAuth = clientAuth
    }

    enum CodingKeys: String, CodingKey {
        case scopes, audience
        case tokenURL = "token_url"
        case clientID = "client_id"
        case clientAuth = "client_auth"
        case clientSecretExpiresAt = "client_secret_expires_at"
    }

    static func parse(_ reader: inout ObjectReader) -> OAuth2Settings? {
        let tokenURL = reader.string("token_url", required: true)
        if let tokenURL, let problem = FieldChecks.httpsURLProblem(tokenURL) {
            reader.fail("token_url", problem, suggestion: FieldChecks.httpsSuggestion(for: tokenURL))
        }
        let clientID = reader.string("client_id", required: true)
        let scopes = reader.stringArray("scopes") ?? []
        let audience = reader.string("audience")
        let clientAuth = reader.choice("client_auth", default: ClientAuth.clientSecretBasic)
        let expiresAt = FieldChecks.timestamp(&reader, "client_secret_expires_at")
        guard let tokenURL, let clientID, let clientAuth else { return nil }
        var settings = OAuth2Settings(tokenURL: tokenURL, clientID: clientID, scopes: scopes, audience: audience, clientAuth: clientAuth)
        settings.clientSecretExpiresAt = expiresAt
        return settings
    }
}

extension OAuth2Settings {
    func warnings(now: Date) -> [IntegrationWarning] {
        guard let clientSecretExpiresAt, let expiry = FieldChecks.parseTimestamp(clientSecretExpiresAt) else { return [] }
        return IntegrationWarning.expiry(of: "The client secret", code: "client_secret", at: expiry, now: now, remedy: "get a new secret from the provider and enter it here")
    }
}
