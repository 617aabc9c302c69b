import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerUpstreams
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /oauth/google/start` and `/oauth/google/callback`: the browser's half of Link G Suite. No
/// client credentials here; the one-time link, the signed single-use `state` and a `__Host-` cookie
/// that binds the flow to the browser that started it protect it instead (RFC 9700 §2.1, §4.7).
struct GoogleLinkController {
    let dependencies: BrokerDependencies

    static let cookiePrefix = "__Host-credbroker-link-"

    func addRoutes(to router: Router<BrokerRequestContext>) {
        router.get("oauth/google/start", use: start)
        router.get("oauth/google/callback", use: callback)
    }

    var redirectURI: String { dependencies.link.publicURL + "/oauth/google/callback" }
    var signer: LinkStateSigner { LinkStateSigner(keyring: dependencies.keyring) }

    // MARK: start

    func start(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        guard let token = request.uri.queryParameters["session"].map(String.init), token.count == 43,
            let session = try await dependencies.linkSessions.linkSession(id: Digest.sha256Hex(Array(token.utf8)))
        else { return LinkPage.unknownLink.response() }
        let now = dependencies.now()
        guard session.startedAt == nil else { return LinkPage.usedLink.response() }
        guard session.expiresAt > now else { return LinkPage.expiredLink.response() }
        guard let integration = try await dependencies.integrations.integration(named: session.integration),
            case .google(let settings) = integration.settings, settings.auth == .oauth
        else { return LinkPage.unknownLink.response() }
        guard let client = dependencies.verifier.google.client else { return LinkPage.notConfigured.response() }
        let endpoints: GoogleOpenIDConfiguration
        do {
            endpoints = try await dependencies.verifier.google.discovery.endpoints()
        } catch {
            return LinkPage.refused(.upstreamError, integration: session.integration, detail: LinkRefusal(message: "Google cannot be reached right now.")).response()
        }
        let state = try signer.makeState()
        let binding = Base64URL.encode(try SecureRandom.bytes(32))
        guard try await dependencies.linkSessions.startLinkSession(
            id: session.id, stateHash: Digest.sha256Hex(Array(state.utf8)), browserHash: Digest.sha256Hex(Array(binding.utf8)), at: now)
        else { return LinkPage.usedLink.response() }
        var parameters = [
            ("client_id", client.clientID), ("redirect_uri", redirectURI), ("response_type", "code"),
            ("scope", (["openid", "email"] + settings.scopes.filter { $0 != "openid" && $0 != "email" }).joined(separator: " ")),
            ("state", state), ("access_type", "offline"), ("prompt", "consent"),
            ("code_challenge", LinkStateSigner.codeChallenge(for: signer.codeVerifier(for: state)!)), ("code_challenge_method", "S256"),
        ]
        if let account = settings.expectedAccount { parameters.append(("login_hint", account)) }
        if let domain = settings.allowedDomain ?? settings.expectedAccount.flatMap({ $0.split(separator: "@").last.map(String.init) }) {
            parameters.append(("hd", domain))
        }
        let remaining = Int(session.expiresAt.timeIntervalSince(now).rounded(.up))
        let cookie = "\(Self.cookieName(for: state))=\(binding); Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=\(remaining)"
        return Response(status: .found, headers: [
            .location: ReturnTo.url(endpoints.authorizationEndpoint, parameters: parameters), .setCookie: cookie,
            .cacheControl: "no-store", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ])
    }

    // MARK: callback

    func callback(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let state = query["state"].map(String.init) ?? ""
        // Everything about the flow is checked before Google's answer is looked at.
        guard signer.verify(state) != nil, let session = try await dependencies.linkSessions.linkSession(stateHash: Digest.sha256Hex(Array(state.utf8))) else {
            return refuse(.stateInvalid, session: nil, state: state, detail: LinkRefusal(message: "state not issued by this broker"))
        }
        guard let binding = Self.cookie(named: Self.cookieName(for: state), in: request), let expected = session.browserHash,
            Digest.constantTimeEqual(Array(Digest.sha256Hex(Array(binding.utf8)).utf8), Array(expected.utf8))
        else {
            return refuse(.stateInvalid, session: session, state: state, detail: LinkRefusal(message: "browser cookie missing or different"))
        }
        guard try await dependencies.linkSessions.completeLinkSession(id: session.id, at: dependencies.now()) else {
            return refuse(.stateInvalid, session: session, state: state, detail: LinkRefusal(message: "state already used"))
        }
        guard session.expiresAt > dependencies.now() else { return refuse(.stateExpired, session: session, state: state, detail: LinkRefusal()) }
        if let error = query["error"].map(String.init) {
            let outcome: LinkOutcome = error == "access_denied" ? .accessDenied : .upstreamError
            return refuse(outcome, session: session, state: state, detail: LinkRefusal(message: "Google answered \(error)."))
        }
        guard let code = query["code"].map(String.init), !code.isEmpty, let verifier = signer.codeVerifier(for: state) else {
            return refuse(.upstreamError, session: session, state: state, detail: LinkRefusal(message: "Google sent no authorization code."))
        }
        let (outcome, refusal) = await GoogleLinkCompletion(dependencies: dependencies, session: session).complete(code: code, verifier: verifier, redirectURI: redirectURI)
        if outcome == .linked {
            return finish(.linked, session: session, state: state, detail: refusal)
        }
        return refuse(outcome, session: session, state: state, detail: refusal)
    }

    private func refuse(_ outcome: LinkOutcome, session: LinkSession?, state: String, detail: LinkRefusal) -> Response {
        var audit = ["reason": detail.message ?? outcome.rawValue]
        if let account = detail.account { audit["account"] = account }
        dependencies.audit.record(AuditEvent(
            event: "link.refused", caller: session?.createdBy, integration: session?.integration.rawValue, outcome: "refused", code: outcome.rawValue, detail: audit, at: dependencies.now()))
        return finish(outcome, session: session, state: state, detail: detail)
    }

    /// 303 to `return_to` with the result, or the result page; the flow's cookie is cleared either way.
    private func finish(_ outcome: LinkOutcome, session: LinkSession?, state: String, detail: LinkRefusal) -> Response {
        var headers: HTTPFields = [:]
        if signer.verify(state) != nil {
            headers.append(HTTPField(name: .setCookie, value: "\(Self.cookieName(for: state))=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"))
        }
        // Without a checked state there is no trustworthy return_to: show the page.
        if let session, let returnTo = session.returnTo, outcome != .stateInvalid {
            var parameters = [("integration", session.integration.rawValue), ("result", outcome == .linked ? "linked" : "error")]
            if outcome == .linked { parameters.append(("account", detail.account ?? "")) } else { parameters.append(("code", outcome.rawValue)) }
            headers[.location] = ReturnTo.url(returnTo, parameters: parameters)
            headers[.cacheControl] = "no-store"
            headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
            return Response(status: .seeOther, headers: headers)
        }
        let integration = session?.integration ?? IntegrationName("integration")!
        return LinkPage.refused(outcome, integration: integration, detail: detail).response(extraHeaders: headers)
    }

    /// One cookie per flow, so two links finished in the same browser at once do not overwrite each other.
    static func cookieName(for state: String) -> String {
        let parts = state.split(separator: ".")
        let nonce = parts.count == 3 ? String(parts[1].prefix(16)) : "invalid"
        return cookiePrefix + nonce
    }

    static func cookie(named name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }
}
