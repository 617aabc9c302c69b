public import BrokerCore
public import Foundation
import Synchronization

/// Access tokens by (integration, scopes, credentials), with a minimum-lifetime guarantee,
/// refresh-ahead, and exactly one upstream call per key however many callers ask at once:
/// followers wait for the leader's result. Failures back off (`failureBackoff`), and while a
/// refresh fails, a cached token that still satisfies a request keeps being served.
/// A class guarded by one lock rather than an actor: a cache hit (the hot path) is then a lock and a
/// dictionary lookup, with no executor hop; only refreshes await.
public final class TokenCache: Sendable {
    /// What identifies one cached token. `credentials` changes whenever settings or secrets do, so a
    /// PATCH invalidates the old token without any explicit call.
    public struct Key: Hashable, Sendable {
        public let integration: IntegrationName
        public let scopes: [String]
        public let credentials: String

        public init(integration: IntegrationName, scopes: [String], credentials: String) {
            self.integration = integration
            self.scopes = scopes.sorted()
            self.credentials = credentials
        }
    }

    /// Where tokens come from; called at most once per key at a time.
    public typealias Fetch = @Sendable (Key) async throws(TokenFetchError) -> AccessToken

    private struct State {
        var entries: [Key: RefreshSchedule.Entry] = [:]
        var inFlight: [Key: Task<Result<AccessToken, TokenFetchError>, Never>] = [:]
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
            case done(AccessToken)
            case failed(TokenFetchError)
            case wait(Task<Result<AccessToken, TokenFetchError>, Never>)
        }
        let next: Next = state.withLock { state in
            let entry = state.entries[key] ?? RefreshSchedule.Entry()
            switch RefreshSchedule.decide(entry, minimumTTL: minimumTTL, refreshAhead: refreshAhead, now: now()) {
            case .serve:
                return .done(entry.token!)
            case .serveAndRefreshAhead:
                _ = startRefresh(key, fetch: fetch, in: &state)
                return .done(entry.token!)
            case .fail(let error):
                return .failed(error)
            case .refresh:
                return .wait(startRefresh(key, fetch: fetch, in: &state))
            case .join:
                return .wait(state.inFlight[key]!)
            }
        }
        switch next {
        case .done(let token): return (token, true)
        case .failed(let error): throw error
        case .wait(let task): return (try await result(of: task, key: key, minimumTTL: minimumTTL), false)
        }
    }

    /// Forgets every token of an integration (deleted, unlinked).
    public func invalidate(_ integration: IntegrationName) {
        state.withLock { state in
            for key in state.entries.keys where key.integration == integration { state.entries[key] = nil }
        }
    }

    /// Called with the lock held; the task it starts takes the lock only after `fetch` returns.
    private func startRefresh(_ key: Key, fetch: @escaping Fetch, in state: inout State) -> Task<Result<AccessToken, TokenFetchError>, Never> {
        if let running = state.inFlight[key] { return running }
        state.entries[key, default: .init()].refreshing = true
        let task = Task { () -> Result<AccessToken, TokenFetchError> in
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

    private func result(of task: Task<Result<AccessToken, TokenFetchError>, Never>, key: Key, minimumTTL: TimeInterval) async throws(TokenFetchError) -> AccessToken {
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
