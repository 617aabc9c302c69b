public import BrokerCore

/// Tokens from the Microsoft identity platform v2.0 for `office365` integrations.
public struct MicrosoftTokenClient: Sendable {
    let http: UpstreamHTTPClient
    public let defaultAuthority: String

    public init(http: UpstreamHTTPClient, defaultAuthority: String) {
        self.http = http
        self.defaultAuthority = defaultAuthority
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    public func tokenEndpoint(_ settings: Office365Settings) -> String {
        var authority = settings.authority ?? defaultAuthority
        while authority.hasSuffix("/") { authority.removeLast() }
        return "\(authority)/\(settings.tenant)/oauth2/v2.0/token"
    }

    /// One token request with the grant the settings name. Throws `UpstreamError` when no answer came;
    /// an answer that is an error is returned as it is, for the caller to classify.
    public func requestToken(_ settings: Office365Settings, secrets: [SecretField: SecretValue]) async throws -> UpstreamResponse {
        var fields: [(String, String)] = [("client_id", settings.clientID), ("scope", settings.scopes.joined(separator: " "))]
        switch settings.auth {
        case .password:
            fields += [("grant_type", "password"), ("username", settings.account ?? ""), ("password", secrets[.password]?.revealUTF8() ?? "")]
            if let secret = secrets[.clientSecret] { fields.append(("client_secret", secret.revealUTF8())) }
        case .clientSecret:
            fields += [("grant_type", "client_credentials"), ("client_secret", secrets[.clientSecret]?.revealUTF8() ?? "")]
        case .certificate:
            guard let certificate = settings.certificate, let privateKey = secrets[.privateKey] else {
                throw UpstreamError.unusableCredentials("certificate sign-in needs the certificate and its private key")
            }
            let assertion = try await ClientAssertion.make(clientID: settings.clientID, tokenEndpoint: tokenEndpoint(settings), certificatePEM: certificate, privateKey: privateKey)
            fields += [
                ("grant_type", "client_credentials"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion),
            ]
        }
        return try await http.send(.form(url: tokenEndpoint(settings), fields: fields))
    }
}
