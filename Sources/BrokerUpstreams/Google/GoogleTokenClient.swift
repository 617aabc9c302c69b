public import BrokerCore
public import Foundation
import JWTKit

/// Google's token endpoint and revocation (PROTOCOLS.md §1.3, §1.5, §1.8, §1.10): the code exchange
/// of Link G Suite, the refresh-token grant, the JWT bearer grant of service accounts, and revoke.
public struct GoogleTokenClient: Sendable {
    public static let jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    /// Google refuses assertions valid longer than an hour.
    static let assertionLifetime: TimeInterval = 3600

    let http: UpstreamHTTPClient
    public let discovery: GoogleDiscovery
    /// The platform's OAuth client; nil when `CREDBROKER_GOOGLE_CLIENT_ID` is not configured.
    public let client: GoogleOAuthClient?

    public init(http: UpstreamHTTPClient, discovery: GoogleDiscovery, client: GoogleOAuthClient?) {
        self.http = http
        self.discovery = discovery
        self.client = client
    }

    /// Exchanges an authorization code for tokens, with the PKCE verifier and the same redirect URI.
    public func exchange(code: String, verifier: String, redirectURI: String) async throws -> UpstreamResponse {
        let client = try requireClient()
        let endpoint = try await discovery.endpoints().tokenEndpoint
        return try await http.send(.form(url: endpoint, fields: [
            ("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier), ("redirect_uri", redirectURI),
            ("client_id", client.clientID), ("client_secret", client.clientSecret.revealUTF8()),
        ]))
    }

    /// An access token from a stored refresh token; `scopes` may narrow what was granted.
    public func refresh(_ refreshToken: SecretValue, scopes: [String]) async throws -> UpstreamResponse {
        let client = try requireClient()
        let endpoint = try await discovery.endpoints().tokenEndpoint
        var fields = [
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken.revealUTF8()),
            ("client_id", client.clientID), ("client_secret", client.clientSecret.revealUTF8()),
        ]
        if !scopes.isEmpty { fields.append(("scope", scopes.joined(separator: " "))) }
        return try await http.send(.form(url: endpoint, fields: fields))
    }

    /// Domain-wide delegation: a JWT signed RS256 with the service account's key, impersonating `subject`.
    public func serviceAccountToken(_ settings: GoogleSettings, privateKey: SecretValue, scopes: [String], now: Date = Date()) async throws -> UpstreamResponse {
        guard let clientEmail = settings.clientEmail, let subject = settings.subject else { throw UpstreamError.unusableCredentials("client_email and subject are required") }
        let endpoint = try await discovery.endpoints().tokenEndpoint
        let key: JWTKit.Insecure.RSA.PrivateKey
        do {
            key = try JWTKit.Insecure.RSA.PrivateKey(pem: privateKey.revealUTF8())
        } catch {
            throw UpstreamError.unusableCredentials("the private key is not an RSA key in PEM (the private_key of the JSON key file)")
        }
        let keys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256)
        let claims = ServiceAccountClaims(
            iss: .init(value: clientEmail), sub: .init(value: subject), aud: .init(value: [endpoint]), scope: scopes.joined(separator: " "),
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(Self.assertionLifetime)))
        var header = JWTHeader()
        header.typ = "JWT"
        let assertion = try await keys.sign(claims, header: header)
        return try await http.send(.form(url: endpoint, fields: [("grant_type", Self.jwtBearerGrant), ("assertion", assertion)]))
    }

    /// Revokes a grant (RFC 7009); true when Google confirmed or the token was already dead.
    @discardableResult
    public func revoke(_ token: SecretValue) async throws -> Bool {
        guard let endpoint = try await discovery.endpoints().revocationEndpoint else { return false }
        let response = try await http.send(.form(url: endpoint, fields: [("token", token.revealUTF8())]))
        if response.status == 200 { return true }
        // 400 invalid_token: it was revoked or expired already, which is what revoking wants.
        return response.status == 400 && OAuthErrorResponse(response)?.error == "invalid_token"
    }

    private func requireClient() throws -> GoogleOAuthClient {
        guard let client else { throw UpstreamError.other("CREDBROKER_GOOGLE_CLIENT_ID and CREDBROKER_GOOGLE_CLIENT_SECRET_FILE are not configured") }
        return client
    }
}

/// The JWT bearer assertion of a service account (RFC 7523, Google's claim set).
struct ServiceAccountClaims: JWTPayload {
    let iss: IssuerClaim
    let sub: SubjectClaim
    let aud: AudienceClaim
    let scope: String
    let iat: IssuedAtClaim
    let exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
