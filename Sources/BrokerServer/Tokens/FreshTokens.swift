import BrokerCore
import BrokerTokens
import Foundation

/// Where a token comes from when the in-memory cache has none: the store (another replica or an
/// earlier run fetched it), else the provider — through retries and the provider's circuit breaker,
/// timed for metrics — and then the store, for the others.
struct FreshTokens: Sendable {
    let persisted: PersistedTokens
    let source: UpstreamTokenSource
    let resilience: UpstreamResilience
    let metrics: BrokerMetrics

    /// `storedLifetime`: how long a stored token must still live to be used instead of a fetch.
    func token(for integration: Integration, key: TokenCache.Key, storedLifetime: TimeInterval) async throws(TokenFetchError) -> AccessToken {
        if let stored = await persisted.load(key, minimumLifetime: storedLifetime) { return stored }
        let token = try await resilience.run(upstream: source.upstream(for: integration)) { () throws(TokenFetchError) in
            try await fetch(integration, scopes: key.scopes)
        }
        await persisted.save(token, for: key)
        return token
    }

    private func fetch(_ integration: Integration, scopes: [String]) async throws(TokenFetchError) -> AccessToken {
        let started = ContinuousClock.now
        do throws(TokenFetchError) {
            let token = try await source.fetch(integration, scopes: scopes)
            metrics.upstream(provider: integration.kind.rawValue, outcome: "ok", duration: ContinuousClock.now - started)
            return token
        } catch {
            metrics.upstream(provider: integration.kind.rawValue, outcome: Self.outcome(of: error), duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// A closed set of failure classes for metrics labels.
    static func outcome(of error: TokenFetchError) -> String {
        switch error {
        case .credentialsRejected: "rejected"
        case .needsRelink: "needs_relink"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        case .noTokens: "no_tokens"
        }
    }
}
