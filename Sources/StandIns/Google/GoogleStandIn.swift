import Crypto
import Foundation
import Hummingbird
import JWTKit
public import NIOSSL
import Synchronization
import CryptoExtras

/// A local Google: OpenID discovery, a consent page where a person (or a browser test) picks the
/// account and may deny or uncheck scopes, the token endpoint (authorization code with PKCE, refresh
/// token, JWT bearer for service accounts), a JWKS with rotating keys, revocation, userinfo and a
/// minimal Calendar API. It insists on what real Google insists on: exact redirect URIs, single-use
/// codes bound to their PKCE challenge, client authentication.
public final class GoogleStandIn: Sendable {
    /// A Google account the consent page offers.
    public struct Account: Sendable {
        public var email: String
        public var sub: String
        /// The Workspace domain (`hd` claim); nil for a personal account such as @gmail.com.
        public var hostedDomain: String?

        public init(email: String, sub: String, hostedDomain: String?) {
            self.email = email
            self.sub = sub
            self.hostedDomain = hostedDomain
        }
    }

    /// A service account with domain-wide delegation to `subjects` for `scopes`.
    public struct ServiceAccount: Sendable {
        /// The certificate of its key (Google publishes service-account keys as X.509 certificates).
        public var certificatePEM: String
        public var subjects: Set<String>
        public var scopes: Set<String>

        public init(certificatePEM: String, subjects: Set<String>, scopes: Set<String>) {
            self.certificatePEM = certificatePEM
            self.subjects = subjects
            self.scopes = scopes
        }
    }

    /// Behaviour switches for the cases tests need that real Google shows only sometimes.
    public struct Behaviour: Sendable {
        /// Omit `refresh_token` from the code exchange (as Google does on a re-consent without `prompt=consent`).
        public var omitsRefreshToken = false
        /// Return a new refresh token on every refresh (Google normally does not).
        public var rotatesRefreshTokens = false
        /// Lifetime of access tokens it issues.
        public var accessTokenSeconds = 3599
        public init() {}
    }

    public let clientID: String
    public let clientSecret: String
    public let control = StandInControl()
    public let server: StandInServer
    let state: Mutex<GoogleStandInState>

    public init(clientID: String, clientSecret: String, accounts: [Account], rooms: [String: Set<String>] = [:], tls: TLSConfiguration) async throws {
        self.clientID = clientID
        self.clientSecret = clientSecret
        state = Mutex(GoogleStandInState(accounts: accounts, rooms: rooms, signingKeys: [try GoogleSigningKey()]))
        let router = Router()
        let holder = Holder()
        router.get(".well-known/openid-configuration") { _, _ in
            guard let base = holder.baseURL else { throw HTTPError(.serviceUnavailable) }
            return StandInHTTP.json(GoogleStandIn.discovery(base: base))
        }
        router.get("oauth2/v3/certs") { _, _ in
            let standIn = try holder.instance()
            standIn.control.record("/oauth2/v3/certs", body: "")
            let keys = standIn.state.withLock { $0.signingKeys.map(\.jwk) }
            return StandInHTTP.json(["keys": keys], headers: [.cacheControl: "public, max-age=300"])
        }
        router.get("o/oauth2/v2/auth") { request, _ in try holder.instance().authorize(request) }
        router.post("o/oauth2/v2/approve") { request, _ in try await holder.instance().approve(request) }
        router.post("token") { request, _ in try await holder.instance().token(request) }
        router.post("revoke") { request, _ in try await holder.instance().revoke(request) }
        router.get("v1/userinfo") { request, _ in try holder.instance().userinfo(request) }
        router.get("calendar/v3/calendars/{calendar}") { request, context in
            try holder.instance().calendar(request, id: context.parameters.get("calendar") ?? "")
        }
        server = try await StandInServer(router: router, tls: tls, name: "google")
        holder.set(self)
    }

    public var issuer: String { server.baseURL }
    public var tokenURL: String { server.baseURL + "/token" }

    /// Allows `uri` as a redirect URI of the client (Cloud Console's "Authorized redirect URIs").
    public func register(redirectURI uri: String) {
        state.withLock { _ = $0.redirectURIs.insert(uri) }
    }

    public func register(serviceAccount email: String, _ account: ServiceAccount) {
        state.withLock { $0.serviceAccounts[email] = account }
    }

    public var behaviour: Behaviour {
        get { state.withLock { $0.behaviour } }
        set { state.withLock { $0.behaviour = newValue } }
    }

    /// Signs new ID tokens with a fresh key; the JWKS lists the old and the new one.
    public func rotateSigningKey() throws {
        let key = try GoogleSigningKey()
        state.withLock { $0.signingKeys.append(key) }
    }

    /// The query of the last authorization request (tests check what the broker asked for).
    public var lastAuthorizationRequest: [String: String] { state.withLock { $0.lastAuthorizationRequest } }
    /// The last redirect back to the client, with its code and state (tests replay it).
    public var lastRedirect: String? { state.withLock { $0.lastRedirect } }
    /// Refresh tokens revoked through `/revoke` so far.
    public var revokedRefreshTokens: Int { state.withLock { $0.refreshTokens.values.filter(\.revoked).count } }
    /// Every refresh token issued so far (tests search the broker's files for them).
    public var issuedRefreshTokens: [String] { state.withLock { Array($0.refreshTokens.keys) } }
    /// Live (issued and not revoked) refresh tokens for an account.
    public func liveRefreshTokens(for email: String) -> Int {
        state.withLock { $0.refreshTokens.values.filter { $0.account == email && !$0.revoked }.count }
    }

    /// Revokes every grant of an account, as a user removing the app in their Google Account does.
    public func revokeAll(for email: String) {
        state.withLock { state in
            for (token, grant) in state.refreshTokens where grant.account == email { state.refreshTokens[token]?.revoked = true }
        }
    }

    static func discovery(base: String) -> [String: Any] {
        [
            "issuer": base,
            "authorization_endpoint": base + "/o/oauth2/v2/auth",
            "token_endpoint": base + "/token",
            "revocation_endpoint": base + "/revoke",
            "userinfo_endpoint": base + "/v1/userinfo",
            "jwks_uri": base + "/oauth2/v3/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "scopes_supported": ["openid", "email", "profile"],
        ]
    }

    /// Lets the route closures, built before `self` exists, reach it.
    final class Holder: Sendable {
        private let value = Mutex<GoogleStandIn?>(nil)
        func set(_ standIn: GoogleStandIn) { value.withLock { $0 = standIn } }
        func instance() throws -> GoogleStandIn {
            guard let standIn = value.withLock({ $0 }) else { throw HTTPError(.serviceUnavailable) }
            return standIn
        }
        var baseURL: String? { value.withLock { $0?.server.baseURL } }
    }
}

/// An RSA key the stand-in signs ID tokens with, and its JWK.
struct GoogleSigningKey: Sendable {
    let kid: String
    let privateKey: JWTKit.Insecure.RSA.PrivateKey

    init() throws {
        privateKey = try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        kid = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    var jwk: [String: String] {
        let (modulus, exponent) = try! privateKey.publicKey.getKeyPrimitives()
        return ["kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": modulus.base64URL, "e": exponent.base64URL]
    }
}
