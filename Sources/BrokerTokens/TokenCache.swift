public import BrokerCore
public import Foundation
import Synchronization

/// Access tokens by (integration, scopes, credentials), with a minimum-lifetime guarantee,
/// refresh-ahead, and exactly one upstream call per key however many callers ask at once:
/// followers wait for the leader's result. Failures back off (`failureBackoff`), and while a
/// refresh fails, a cached token that still satisfies a request keeps being served.
///
/// A class over a mutex rather than an actor: a cached hand-out (nearly every request) is decided
/// under the lock on the caller's own thread, without the two executor hops an actor call costs;
/// only a refresh suspends, on the task that performs it.
public final class TokenCache: Sendable {
    /// What identifies one cached token. `credentials` changes whenever settings or secrets do, so a
    /// PATCH invalidates the old token without any explicit call.
    public struct Key: Hashable, Sendable {
        public let integration: IntegrationName
        public let scopes: [String]
        public let credentials: String

        public init(integration: IntegrationName, scopes: [String], credentials: String) {
            self.integration = integration
            self.scopes = scopes.count > 1 ? scopes.sorted() : scopes
            self.credentials = credentials
        }
    }

    /// Where tokens come from; called at most once per key at a time.
    public typealias Fetch = @Sendable (Key) async throws(TokenFetchError) -> AccessToken

    private typealias Refresh = Task<Result<AccessToken, TokenFetchError>, Never>

    private struct State {
        var entries: [Key: RefreshSchedule.Entry] = [:]
        var inFlight: [Key: Refresh] = [:]
    }

    private let state = Mutex(State())
    /// Tokens with less than this left are refreshed in the background while they still serve.
    public let refreshAhead: TimeInterval
    private let failureBackoff: TimeInterval
    private let now: @Sendable () -> Date

    public init(refreshAhead: TimeInterval = 300, failureBackoff: TimeInterval = 5, now: @escaping @Sendable () -> Date = { Date() }) {
        self.refreshAhead = refreshAhead
        self.failureBackoff = failureBackoff
        self.now = now
    }

    /// A token for `key` with at least `minimumTTL` seconds left; `fetch` is how to get a new one.
    /// Returns whether it came from the cache, for metrics and audit.
    public func token(for key: Key, minimumTTL: TimeInterval, fetch: @escaping Fetch) async throws(TokenFetchError) -> (token: AccessToken, cached: Bool) {
        enum Next {
            case served(AccessToken)
            case wait(Refresh)
        }
        let current = now()
        let next: Next = try state.withLock { (state) throws(TokenFetchError) -> Next in
            let entry = state.entries[key] ?? RefreshSchedule.Entry()
            switch RefreshSchedule.decide(entry, minimumTTL: minimumTTL, refreshAhead: refreshAhead, now: current) {
            case .serve:
                return .served(entry.token!)
            case .serveAndRefreshAhead:
                _ = startRefresh(key, in: &state, fetch: fetch)
                return .served(entry.token!)
            case .fail(let error):
                throw error
            case .refresh:
                return .wait(startRefresh(key, in: &state, fetch: fetch))
            case .join:
                return .wait(state.inFlight[key]!)
            }
        }
        switch next {
        case .served(let token): return (token, true)
        case .wait(let refresh): return (try await result(of: refresh, key: key, minimumTTL: minimumTTL), false)
        }
    }

    /// Forgets every token of an integration (deleted, unlinked).
    public func invalidate(_ integration: IntegrationName) {
        state.withLock { state in
            for key in state.entries.keys where key.integration == integration { state.entries[key] = nil }
        }
    }

    /// Starts the one refresh of `key` (or returns the running one). Called under the lock; the task
    /// it starts runs later, on the pool, and takes the lock itself only to record its result.
    private func startRefresh(_ key: Key, in state: inout State, fetch: @escaping Fetch) -> Refresh {
        if let running = state.inFlight[key] { return running }
        state.entries[key, default: .init()].refreshing = true
        let task = Refresh { () -> Result<AccessToken, TokenFetchError> in
            let result: Result<AccessToken, TokenFetchError>
            do throws(TokenFetchError) {
                result = .success(try await fetch(key))
            } catch {
                result = .failure(error)
            }
            self.finish(key, result)
            return result
        }
        state.inFlight[key] = task
        return task
    }

    private func finish(_ key: Key, _ result: Result<AccessToken, TokenFetchError>) {
        let current = now()
        state.withLock { state in
            state.inFlight[key] = nil
            var entry = state.entries[key] ?? .init()
            entry.refreshing = false
            switch result {
            case .success(let token):
                entry.token = token
                entry.failure = nil
            case .failure(let error):
                // The provider's (or the circuit's) own Retry-After when it gave one, else the default pause.
                var backoff = failureBackoff
                if case .unavailable(_, let retryAfter?) = error { backoff = TimeInterval(min(retryAfter, 3600)) }
                entry.failure = (error, current.addingTimeInterval(backoff))
            }
            state.entries[key] = entry
        }
    }

    private func result(of task: Refresh, key: Key, minimumTTL: TimeInterval) async throws(TokenFetchError) -> AccessToken {
        switch await task.value {
        case .success(let token):
            return token
        case .failure(let error):
            // A failed refresh does not cost a caller whose need the previous token still meets.
            let current = now()
            if let cached = state.withLock({ $0.entries[key]?.token }), cached.remaining(at: current) >= minimumTTL { return cached }
            throw error
        }
    }
}
