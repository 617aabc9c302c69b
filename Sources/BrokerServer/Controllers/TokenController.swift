import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import Foundation
import Hummingbird

/// `POST /v1/integrations/{name}/token` (role `consumer`): a short-lived access token with at least
/// `min_ttl_seconds` left, from the cache when it can be, with exactly one upstream call per
/// integration and scopes however many callers ask at once.
struct TokenController {
    let dependencies: BrokerDependencies

    static let defaultMinimumTTL = 300

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.post("integrations/{name}/token", use: token)
    }

    func token(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try IntegrationController.name(request, context: context)
        do {
            try caller.require(.consumer, for: name)
        } catch {
            audit(caller, name, "token.denied", outcome: "forbidden", code: error.code)
            throw BrokerErrorResponse(error)
        }
        let (requestedScopes, minimumTTL) = try await Self.parse(request, context: context)
        guard let integration = try await dependencies.integrationCache.recentIntegration(named: name) else {
            throw BrokerErrorResponse(.integrationNotFound(name.rawValue))
        }
        let allowed = integration.settings.tokenScopes
        let scopes = requestedScopes ?? allowed
        if let outside = scopes.first(where: { !allowed.contains($0) }) {
            audit(caller, name, "token.denied", outcome: "forbidden", code: "scope_not_allowed")
            throw BrokerErrorResponse(.scopeNotAllowed(outside, integration: name))
        }
        // Every change of settings or secrets (a PATCH) sets updatedAt; status updates do not. So it
        // versions the credentials without hashing anything on the hot path.
        let key = TokenCache.Key(integration: name, scopes: scopes, credentials: String(integration.updatedAt.timeIntervalSince1970))
        let fresh = dependencies.freshTokens
        // A stored token must be fresher than the refresh-ahead window, so a background refresh never
        // just re-reads the token it is replacing.
        let storedLifetime = max(TimeInterval(minimumTTL), dependencies.tokens.refreshAhead + 60)
        let metrics = dependencies.metrics
        let issued: (token: AccessToken, cached: Bool)
        do {
            issued = try await dependencies.tokens.token(for: key, minimumTTL: TimeInterval(minimumTTL)) { key throws(TokenFetchError) in
                try await fresh.token(for: integration, key: key, storedLifetime: storedLifetime)
            }
        } catch {
            metrics.token(result: "failed")
            await recordFailure(error, on: integration)
            audit(caller, name, "token.denied", outcome: "failed", code: Self.problem(for: error).code)
            throw BrokerErrorResponse(Self.problem(for: error), headers: Self.retryHeaders(for: error))
        }
        metrics.token(result: issued.cached ? "cache_hit" : "fetched")
        let now = dependencies.now()
        guard issued.token.remaining(at: now) >= TimeInterval(minimumTTL) else {
            audit(caller, name, "token.denied", outcome: "refused", code: "min_ttl_unattainable")
            throw BrokerErrorResponse(.minTTLUnattainable(requested: minimumTTL, lifetime: Int(issued.token.lifetime)))
        }
        // Recorded when something changed, and otherwise at most once a minute: the hot path stays read-only.
        let usageIsOld = integration.lastUsedAt.map { now.timeIntervalSince($0) > 60 } ?? true
        if !issued.cached || integration.status != .ok || usageIsOld { await recordSuccess(on: integration, at: now) }
        audit(caller, name, "token.issued", outcome: "ok", detail: [
            "fingerprint": Self.fingerprint(issued.token.value), "scopes": issued.token.scopes.joined(separator: " "), "cached": issued.cached ? "true" : "false",
        ])
        let remaining = Int(issued.token.remaining(at: now))
        var body = JSONObjectWriter()
        body.add("access_token", issued.token.value.revealUTF8())
        body.add("account", integration.linkedAccount ?? integration.settings.accountName)
        body.add("expires_at", RFC3339Timestamp.string(issued.token.expiresAt))
        body.add("expires_in", remaining)
        body.add("integration", name.rawValue)
        body.add("scopes", issued.token.scopes)
        body.add("token_type", issued.token.tokenType)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body.finished())))
    }

    private static func parse(_ request: Request, context: BrokerRequestContext) async throws -> ([String]?, Int) {
        guard request.headers[.contentLength].flatMap(Int.init) ?? 0 > 0 || request.headers[.transferEncoding] != nil else {
            return (nil, defaultMinimumTTL)
        }
        let body = try await RequestBody.json(request, context: context)
        guard case .object(let object) = body else { throw BrokerErrorResponse(.invalidRequest("The request body must be a JSON object.")) }
        var reader = ObjectReader(object, path: "")
        let scopes = reader.stringArray("scopes")
        var minimumTTL = defaultMinimumTTL
        reader.consume("min_ttl_seconds")
        switch object["min_ttl_seconds"] {
        case nil, .null?: break
        case .number(let value)? where value >= 0 && value <= 86_400 && value == value.rounded(): minimumTTL = Int(value)
        default: reader.fail("min_ttl_seconds", "must be a whole number of seconds from 0 to 86400")
        }
        reader.rejectUnknownFields()
        guard reader.errors.isEmpty else { throw BrokerErrorResponse(.validationFailed(reader.errors)) }
        return (scopes, minimumTTL)
    }

    /// A short hash that identifies a token in the audit trail without revealing it.
    static func fingerprint(_ token: SecretValue) -> String {
        String(Digest.sha256Hex(token.revealBytes()).prefix(12))
    }

    static func problem(for error: TokenFetchError) -> BrokerError {
        switch error {
        case .credentialsRejected(_, let message): .credentialsRejected(message)
        case .needsRelink(let message): .needsRelink(message)
        case .unavailable(let message, _): .upstreamUnavailable(message)
        case .timeout(let message): .upstreamTimeout(message)
        case .noTokens(let message): .invalidRequest(message)
        }
    }

    static func retryHeaders(for error: TokenFetchError) -> HTTPFields {
        if case .unavailable(_, let retryAfter) = error { return [.retryAfter: "\(retryAfter ?? 5)"] }
        return [:]
    }

    private func recordFailure(_ error: TokenFetchError, on integration: Integration) async {
        if case .noTokens = error { return }
        let lastError = LastError(code: Self.problem(for: error).code, message: error.message, at: dependencies.now())
        await record(on: integration) { updated in
            updated.status = error.needsAttention ? .needsAttention : .failing
            updated.lastError = lastError
        }
    }

    private func recordSuccess(on integration: Integration, at now: Date) async {
        await record(on: integration) { updated in
            updated.status = .ok
            updated.lastError = nil
            updated.lastTokenAt = now
            updated.lastUsedAt = now
        }
    }

    /// Health bookkeeping: best effort (a concurrent change wins) and a webhook when the status moved.
    private func record(on integration: Integration, _ change: (inout Integration) -> Void) async {
        var updated = integration
        change(&updated)
        if let stored = try? await dependencies.integrations.update(updated, expectedRevision: integration.revision, secrets: [:], removing: []) {
            dependencies.webhooks.statusChanged(from: integration, to: stored, at: dependencies.now())
        }
    }

    private func audit(_ caller: Caller, _ name: IntegrationName, _ event: String, outcome: String, code: String? = nil, detail: [String: String]? = nil) {
        dependencies.audit.record(AuditEvent(event: event, caller: caller.name, integration: name.rawValue, outcome: outcome, code: code, detail: detail, at: dependencies.now()))
    }
}
