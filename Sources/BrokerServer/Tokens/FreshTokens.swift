import BrokerCore
import BrokerTokens
import Foundation

/// Where a token comes from when the in-memory cache has none: the store (another replica or an
/// earlier run fetched it), else the provider — through retries and the provider's circuit breaker,
/// timed for metrics — and then the store, for the others.
///
/// The in-memory cache makes one call per key in this process; the refresh lease in the store makes
/// it one across replicas: the replica holding it fetches, the others poll the store for its token.
/// A class: every token request captures it, and a reference is one retain where the struct was six.
final class FreshTokens: Sendable {
    let persisted: PersistedTokens
    let source: UpstreamTokenSource
    let resilience: UpstreamResilience
    let metrics: BrokerMetrics
    /// This process among the replicas (for the lease row; diagnostic only).
    let holder: String
    /// How long a lease lasts: a holder that dies mid-fetch delays the others at most this long.
    let leaseDuration: TimeInterval
    /// How often a replica waiting on another's fetch looks for its token.
    let pollInterval: Duration = .milliseconds(50)
    /// How often it asks for the lease again meanwhile.
    let leaseRetryInterval: Duration = .seconds(1)

    init(persisted: PersistedTokens, source: UpstreamTokenSource, resilience: UpstreamResilience, metrics: BrokerMetrics, holder: String, leaseDuration: TimeInterval) {
        self.persisted = persisted
        self.source = source
        self.resilience = resilience
        self.metrics = metrics
        self.holder = holder
        self.leaseDuration = leaseDuration
    }

    /// `storedLifetime`: how long a stored token must still live to be used instead of a fetch.
    func token(for integration: Integration, key: TokenCache.Key, storedLifetime: TimeInterval) async throws(TokenFetchError) -> AccessToken {
        let seen = await persisted.load(key, minimumLifetime: 0)
        if let seen, seen.remaining(at: persisted.now()) >= storedLifetime { return seen }
        // Waiting is bounded: past a dead holder's lease this replica takes it over itself.
        let giveUp = ContinuousClock.now + .seconds(leaseDuration * 2 + 5)
        while true {
            switch await persisted.lease(key, holder: holder, duration: leaseDuration) {
            case .acquired(let generation):
                // The previous holder may have stored its token between the read above and this lease.
                if let stored = await persisted.load(key, replacing: seen) {
                    await persisted.release(key, generation: generation)
                    return stored
                }
                do throws(TokenFetchError) {
                    let token = try await fetchThroughResilience(integration, scopes: key.scopes)
                    await persisted.save(token, for: key, fence: generation)
                    await persisted.release(key, generation: generation)
                    return token
                } catch {
                    await persisted.release(key, generation: generation)
                    throw error
                }
            case .storeUnavailable:
                let token = try await fetchThroughResilience(integration, scopes: key.scopes)
                await persisted.save(token, for: key, fence: nil)
                return token
            case .heldElsewhere:
                // Reads are cheap and the token usually lands within one provider round trip; the
                // lease (a write) is asked for again only every `leaseRetryInterval`, in case its
                // holder gave it up (a failure) or died.
                let retryLease = ContinuousClock.now + leaseRetryInterval
                while ContinuousClock.now < retryLease {
                    try? await Task.sleep(for: pollInterval)
                    if let stored = await persisted.load(key, replacing: seen) { return stored }
                }
                guard ContinuousClock.now < giveUp else {
                    throw .unavailable(message: "another replica has been fetching this token for too long", retryAfter: 1)
                }
            }
        }
    }

    private func fetchThroughResilience(_ integration: Integration, scopes: [String]) async throws(TokenFetchError) -> AccessToken {
        try await resilience.run(upstream: source.upstream(for: integration)) { () throws(TokenFetchError) in
            try await fetch(integration, scopes: scopes)
        }
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
