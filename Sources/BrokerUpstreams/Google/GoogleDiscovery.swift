public import Foundation
import BrokerCore
import JWTKit

/// Google's endpoints from OpenID discovery at the configured issuer, and its signing keys, both
/// cached: discovery for a day, the JWKS for its `Cache-Control: max-age` and refetched when an ID
/// token names a key id it does not know (Google rotates keys), at most once per `refetchInterval`.
public actor GoogleDiscovery {
    public nonisolated let issuer: String
    let http: UpstreamHTTPClient
    let now: @Sendable () -> Date
    private var configuration: (value: GoogleOpenIDConfiguration, fetchedAt: Date)?
    private var keySet: (keys: JWTKeyCollection, kids: Set<String>, expiresAt: Date, fetchedAt: Date)?

    static let configurationLifetime: TimeInterval = 24 * 3600
    static let refetchInterval: TimeInterval = 10
    static let defaultKeyLifetime: TimeInterval = 3600
    /// Tolerated clock difference when checking `exp`.
    static let clockSkew: TimeInterval = 60

    public init(issuer: String, http: UpstreamHTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        var trimmed = issuer
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.issuer = trimmed
        self.http = http
        self.now = now
    }

    /// The discovery document, fetched once a day.
    public func endpoints() async throws(GoogleIDTokenError) -> GoogleOpenIDConfiguration {
        if let configuration, now().timeIntervalSince(configuration.fetchedAt) < Self.configurationLifetime { return configuration.value }
        let response: UpstreamResponse
        do {
            response = try await http.send(UpstreamRequest(url: issuer + "/.well-known/openid-configuration", headers: [("Accept", "application/json")]))
        } catch {
            throw .unavailable("Google's OpenID discovery could not be fetched (\(error)).")
        }
        guard let value = GoogleOpenIDConfiguration(response) else {
            throw .unavailable("Google's OpenID discovery answered HTTP \(response.status) without usable endpoints.")
        }
        configuration = (value, now())
        return value
    }

    /// Checks an ID token as Google's libraries do: RS256 by a key of the JWKS, `iss` the issuer,
    /// `aud` our client, not expired, `email_verified`. Returns who it names.
    public func verifyIDToken(_ token: String, audience: String) async throws(GoogleIDTokenError) -> GoogleIdentity {
        guard let kid = Self.keyID(of: token) else { throw .invalid("the ID token has no key id") }
        var keys = try await signingKeys(refetchUnless: kid)
        if !keys.kids.contains(kid) {
            keys = try await signingKeys(refetchUnless: kid, force: true)
            guard keys.kids.contains(kid) else { throw .invalid("the ID token is signed by a key Google does not publish") }
        }
        let claims: GoogleIDTokenClaims
        do {
            claims = try await keys.keys.verify(token, as: GoogleIDTokenClaims.self)
        } catch {
            throw .invalid("the ID token's signature does not verify")
        }
        let issuers: Set<String> = issuer == "https://accounts.google.com" ? [issuer, "accounts.google.com"] : [issuer]
        guard issuers.contains(claims.iss.value) else { throw .invalid("the ID token was issued by \(claims.iss.value), not \(issuer)") }
        guard claims.aud.value.contains(audience) else { throw .invalid("the ID token is meant for another client") }
        guard claims.exp.value.addingTimeInterval(Self.clockSkew) > now() else { throw .invalid("the ID token has expired") }
        guard let email = claims.email, claims.email_verified?.value == true else { throw .invalid("the ID token carries no verified email address") }
        return GoogleIdentity(subject: claims.sub.value, email: email.lowercased(), hostedDomain: claims.hd?.lowercased())
    }

    private func signingKeys(refetchUnless kid: String, force: Bool = false) async throws(GoogleIDTokenError) -> (keys: JWTKeyCollection, kids: Set<String>) {
        let current = now()
        if let keySet {
            let fresh = keySet.expiresAt > current && (keySet.kids.contains(kid) || !force)
            let tooSoon = current.timeIntervalSince(keySet.fetchedAt) < Self.refetchInterval
            if fresh || (force && tooSoon) { return (keySet.keys, keySet.kids) }
        }
        let jwksURI = try await endpoints().jwksURI
        let response: UpstreamResponse
        do {
            response = try await http.send(UpstreamRequest(url: jwksURI, headers: [("Accept", "application/json")]))
        } catch {
            throw .unavailable("Google's signing keys could not be fetched (\(error)).")
        }
        let collection = JWTKeyCollection()
        let kids: Set<String>
        do {
            guard response.status == 200 else { throw GoogleIDTokenError.unavailable("HTTP \(response.status)") }
            let jwks = try JSONDecoder().decode(JWKS.self, from: Data(response.body))
            // Only RSA signing keys: an `alg: none` or HMAC entry must never verify anything.
            let rsa = jwks.keys.filter { $0.keyType == .rsa }
            try await collection.add(jwks: JWKS(keys: rsa))
            kids = Set(rsa.compactMap { $0.keyIdentifier?.string })
        } catch {
            throw .unavailable("Google's signing keys were unreadable.")
        }
        let lifetime = Self.maxAge(response.header("Cache-Control")) ?? Self.defaultKeyLifetime
        keySet = (collection, kids, current.addingTimeInterval(lifetime), current)
        return (collection, kids)
    }

    static func maxAge(_ cacheControl: String?) -> TimeInterval? {
        guard let cacheControl else { return nil }
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = TimeInterval(parts[1]) { return seconds }
        }
        return nil
    }

    static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".").first, let data = Base64URL.decode(String(header)),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}

/// The ID token claims the broker reads; the checks live in `GoogleDiscovery.verifyIDToken`.
struct GoogleIDTokenClaims: JWTPayload {
    let iss: IssuerClaim
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let sub: SubjectClaim
    let email: String?
    let email_verified: BoolClaim?
    let hd: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
