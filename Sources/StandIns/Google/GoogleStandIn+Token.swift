import Crypto
import Foundation
import Hummingbird
import Synchronization
import JWTKit

/// The server half of the stand-in: the token endpoint's three grants, revocation, userinfo, Calendar.
extension GoogleStandIn {
    struct IDTokenClaims: JWTPayload {
        var iss: String
        var azp: String
        var aud: String
        var sub: String
        var email: String
        var email_verified: Bool
        var hd: String?
        var iat: Int
        var exp: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct AssertionClaims: JWTPayload {
        var iss: String
        var scope: String
        var aud: String
        var sub: String?
        var iat: Double
        var exp: Double
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    func token(_ request: Request) async throws -> Response {
        let body = try await StandInHTTP.body(request)
        control.record("/token", body: body)
        if let fault = try await StandInHTTP.applyFault(control) { return fault }
        let form = MicrosoftStandIn.decodeForm(body)
        if form["grant_type"] == Self.jwtBearer { return await serviceAccountToken(form) }
        let (client, secret) = StandInHTTP.clientCredentials(request, form: form)
        guard client == clientID, secret == clientSecret else {
            return StandInHTTP.json(["error": "invalid_client", "error_description": "The OAuth client was not found."], status: .unauthorized)
        }
        switch form["grant_type"] {
        case "authorization_code": return await exchange(form)
        case "refresh_token": return refresh(form)
        default: return StandInHTTP.json(["error": "unsupported_grant_type", "error_description": "Invalid grant_type: \(form["grant_type"] ?? "")"], status: .badRequest)
        }
    }

    private func exchange(_ form: [String: String]) async -> Response {
        let invalid = StandInHTTP.json(["error": "invalid_grant", "error_description": "Bad Request"], status: .badRequest)
        guard let code = form["code"], let verifier = form["code_verifier"] else { return invalid }
        let grant: GoogleStandInState.Code? = state.withLock { state in
            guard var grant = state.codes[code], !grant.used else { return nil }
            grant.used = true
            state.codes[code] = grant
            return grant
        }
        guard let grant, grant.redirectURI == form["redirect_uri"],
            Data(SHA256.hash(data: Data(verifier.utf8))).base64URL == grant.challenge
        else { return invalid }
        let (behaviour, account, key) = state.withLock { ($0.behaviour, $0.account(grant.account), $0.signingKeys.last!) }
        guard let account else { return invalid }
        var answer = issueAccessToken(account: account.email, scopes: grant.scopes, refreshToken: nil, lifetime: behaviour.accessTokenSeconds)
        if grant.offline, !behaviour.omitsRefreshToken {
            let refreshToken = "1//" + StandInHTTP.newToken("refresh")
            state.withLock { $0.refreshTokens[refreshToken] = .init(account: account.email, scopes: grant.scopes) }
            answer["refresh_token"] = refreshToken
        }
        if grant.scopes.contains("openid") || grant.scopes.contains("email") {
            let now = Int(Date().timeIntervalSince1970)
            let claims = IDTokenClaims(
                iss: issuer, azp: clientID, aud: clientID, sub: account.sub, email: account.email, email_verified: true, hd: account.hostedDomain, iat: now, exp: now + 3600)
            let keys = JWTKeyCollection()
            await keys.add(rsa: key.privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
            answer["id_token"] = try? await keys.sign(claims, kid: JWKIdentifier(string: key.kid))
        }
        return StandInHTTP.json(answer)
    }

    private func refresh(_ form: [String: String]) -> Response {
        let behaviour = state.withLock { $0.behaviour }
        guard let token = form["refresh_token"], let grant = state.withLock({ $0.refreshTokens[token] }), !grant.revoked else {
            return StandInHTTP.json(["error": "invalid_grant", "error_description": "Token has been expired or revoked."], status: .badRequest)
        }
        var answer = issueAccessToken(account: grant.account, scopes: grant.scopes, refreshToken: token, lifetime: behaviour.accessTokenSeconds)
        if behaviour.rotatesRefreshTokens {
            let next = "1//" + StandInHTTP.newToken("refresh")
            state.withLock {
                $0.refreshTokens[next] = .init(account: grant.account, scopes: grant.scopes)
                $0.refreshTokens[token]?.revoked = true
            }
            answer["refresh_token"] = next
        }
        return StandInHTTP.json(answer)
    }

    private func serviceAccountToken(_ form: [String: String]) async -> Response {
        func failure(_ error: String, _ description: String) -> Response {
            StandInHTTP.json(["error": error, "error_description": description], status: error == "invalid_grant" ? .badRequest : .unauthorized)
        }
        guard let assertion = form["assertion"], let claims = Self.unverifiedClaims(assertion),
            let account = state.withLock({ $0.serviceAccounts[claims.iss] })
        else { return failure("invalid_grant", "Invalid JWT Signature.") }
        do {
            let keys = JWTKeyCollection()
            await keys.add(rsa: try JWTKit.Insecure.RSA.PublicKey(certificatePEM: account.certificatePEM), digestAlgorithm: .sha256)
            _ = try await keys.verify(assertion, as: AssertionClaims.self)
        } catch {
            return failure("invalid_grant", "Invalid JWT Signature.")
        }
        let now = Date().timeIntervalSince1970
        guard claims.aud == tokenURL, claims.exp > now, claims.exp - claims.iat <= 3600, claims.iat <= now + 60 else {
            return failure("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        }
        guard let subject = claims.sub, account.subjects.contains(subject) else { return failure("invalid_grant", "Invalid email or User ID") }
        let scopes = claims.scope.split(separator: " ").map(String.init)
        guard Set(scopes).isSubset(of: account.scopes) else {
            return failure("unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
        }
        let lifetime = state.withLock { $0.behaviour.accessTokenSeconds }
        var answer = issueAccessToken(account: subject, scopes: scopes, refreshToken: nil, lifetime: lifetime)
        answer.removeValue(forKey: "scope")
        return StandInHTTP.json(answer)
    }

    private func issueAccessToken(account: String, scopes: [String], refreshToken: String?, lifetime: Int) -> [String: Any] {
        let token = "ya29." + StandInHTTP.newToken("access")
        state.withLock { $0.accessTokens[token] = .init(account: account, scopes: scopes, expiresAt: Date().addingTimeInterval(TimeInterval(lifetime)), refreshToken: refreshToken) }
        return ["access_token": token, "expires_in": lifetime, "token_type": "Bearer", "scope": scopes.joined(separator: " ")]
    }

    func revoke(_ request: Request) async throws -> Response {
        let body = try await StandInHTTP.body(request)
        control.record("/revoke", body: body)
        if let fault = try await StandInHTTP.applyFault(control) { return fault }
        guard let token = MicrosoftStandIn.decodeForm(body)["token"] else { return StandInHTTP.json(["error": "invalid_request"], status: .badRequest) }
        let known = state.withLock { state -> Bool in
            let refreshToken = state.refreshTokens[token] != nil ? token : state.accessTokens[token]?.refreshToken
            if let refreshToken { state.refreshTokens[refreshToken]?.revoked = true }
            for (access, grant) in state.accessTokens where access == token || (refreshToken != nil && grant.refreshToken == refreshToken) {
                state.accessTokens.removeValue(forKey: access)
            }
            return refreshToken != nil || state.accessTokens[token] != nil
        }
        return known ? StandInHTTP.json([:]) : StandInHTTP.json(["error": "invalid_token", "error_description": "Token expired or revoked"], status: .badRequest)
    }

    func userinfo(_ request: Request) throws -> Response {
        control.record("/v1/userinfo", body: "")
        guard let grant = accessGrant(request), let account = state.withLock({ $0.account(grant.account) }) else { return Self.unauthenticated }
        var answer: [String: Any] = ["sub": account.sub, "email": account.email, "email_verified": true]
        if let domain = account.hostedDomain { answer["hd"] = domain }
        return StandInHTTP.json(answer)
    }

    func calendar(_ request: Request, id: String) throws -> Response {
        control.record("/calendar/v3/calendars", body: "")
        guard let grant = accessGrant(request) else { return Self.unauthenticated }
        guard grant.scopes.contains(where: { $0.hasPrefix("https://www.googleapis.com/auth/calendar") }) else {
            return StandInHTTP.json(["error": ["code": 403, "message": "Request had insufficient authentication scopes."]], status: .forbidden)
        }
        let calendarID = id.removingPercentEncoding ?? id
        guard let readers = state.withLock({ $0.rooms[calendarID] }) else {
            return StandInHTTP.json(["error": ["code": 404, "message": "Not Found"]], status: .notFound)
        }
        guard readers.contains(grant.account) else {
            return StandInHTTP.json(["error": ["code": 403, "message": "The caller does not have permission"]], status: .forbidden)
        }
        return StandInHTTP.json(["kind": "calendar#calendar", "id": calendarID, "summary": calendarID, "timeZone": "Europe/Berlin"])
    }

    private func accessGrant(_ request: Request) -> GoogleStandInState.AccessGrant? {
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") else { return nil }
        let token = String(authorization.dropFirst(7))
        return state.withLock { state in
            guard let grant = state.accessTokens[token], grant.expiresAt > Date() else { return nil }
            if let refreshToken = grant.refreshToken, state.refreshTokens[refreshToken]?.revoked == true { return nil }
            return grant
        }
    }

    private static var unauthenticated: Response {
        StandInHTTP.json(["error": ["code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"]], status: .unauthorized)
    }

    private static func unverifiedClaims(_ jwt: String) -> AssertionClaims? {
        StandInHTTP.jwtPart(jwt, 1).flatMap { try? JSONDecoder().decode(AssertionClaims.self, from: $0) }
    }
}
