public import BrokerCore
public import Foundation

/// Access tokens by (integration, scopes, credentials), with a minimum-lifetime guarantee,
/// refresh-ahead, and exactly one upstream call per key however many callers ask at once:
/// followers wait for the leader's result. Failures back off (`failureBackoff`), and while a
/// refresh fails, a cached token that still satisfies a request keeps being served.
public actor TokenCache {
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

    private var entries: [Key: RefreshSchedule.Entry] = [:]
    private var inFlight: [Key: Task<Result<AccessToken, TokenFetchError>, Never>] = [:]
    /// Tokens with less than this left are refreshed in the background while they still serve.
    public nonisolated let refreshAhead: TimeInterval
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
        let entry = entries[key] ?? RefreshSchedule.Entry()
        switch RefreshSchedule.decide(entry, minimumTTL: minimumTTL, refreshAhead: refreshAhead, now: now()) {
        case .serve:
            return (entry.token!, true)
        case .serveAndRefreshAhead:
            _ = startRefresh(key, fetch: fetch)
            return (entry.token!, true)
        case .fail(let error):
            throw error
        case .refresh:
            return (try await result(of: startRefresh(key, fetch: fetch), key: key, minimumTTL: minimumTTL), false)
        case .join:
            return (try await result(of: inFlight[key]!, key: key, minimumTTL: minimumTTL), false)
        }
    }

    /// Forgets every token of an integration (deleted, unlinked).
    public func invalidate(_ integration: IntegrationName) {
        for key in entries.keys where key.integration == integration { entries[key] = nil }
    }

    private func startRefresh(_ key: Key, fetch: @escaping Fetch) -> Task<Result<AccessToken, TokenFetchError>, Never> {
        if let running = inFlight[key] { return running }
        entries[key, default: .init()].refreshing = true
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
        inFlight[key] = task
        return task
    }

    private func finish(_ key: Key, _ result: Result<AccessToken, TokenFetchError>) {
        inFlight[key] = nil
        var entry = entries[key] ?? .init()
        entry.refreshing = false
        switch result {
        case .success(let token):
            entry.token = token
            entry.failure = nil
        case .failure(let error):
            // The provider's (or the circuit's) own Retry-After when it gave one, else the default pause.
            var backoff = failureBackoff
            if case .unavailable(_, let retryAfter?) = error { backoff = TimeInterval(min(retryAfter, 3600)) }
            entry.failure = (error, now().addingTimeInterval(backoff))
        }
        entries[key] = entry
    }

    private func result(of task: Task<Result<AccessToken, TokenFetchError>, Never>, key: Key, minimumTTL: TimeInterval) async throws(TokenFetchError) -> AccessToken {
        switch await task.value {
        case .success(let token):
            return token
        case .failure(let error):
            // A failed refresh does not cost a caller whose need the previous token still meets.
            if let cached = entries[key]?.token, cached.remaining(at: now()) >= minimumTTL { return cached }
            throw error
        }
    }
}
