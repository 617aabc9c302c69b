public import BrokerCore
public import Foundation

/// The refresh decisions of one cache entry as a pure function of its state, the request and the
/// time, so they can be tested as a table without clocks, sockets or tasks. `TokenCache` performs them.
public enum RefreshSchedule {
    /// What the cache holds for one (integration, scopes).
    public struct Entry: Sendable {
        public var token: AccessToken?
        public var refreshing: Bool
        /// The last refresh failure and until when not to try again.
        public var failure: (error: TokenFetchError, retryAt: Date)?

        public init(token: AccessToken? = nil, refreshing: Bool = false, failure: (error: TokenFetchError, retryAt: Date)? = nil) {
            self.token = token
            self.refreshing = refreshing
            self.failure = failure
        }
    }

    /// What to do with a request.
    public enum Decision: Sendable, Equatable {
        /// Hand out the cached token.
        case serve
        /// Hand out the cached token, and refresh in the background because it is getting old.
        case serveAndRefreshAhead
        /// Start a refresh and wait for it.
        case refresh
        /// A refresh is already running: wait for its result.
        case join
        /// The provider failed recently and nothing cached satisfies the request.
        case fail(TokenFetchError)
    }

    /// - Parameters:
    ///   - minimumTTL: how long the handed-out token must still live.
    ///   - refreshAhead: refresh in the background once less than this is left (but the token still serves).
    public static func decide(_ entry: Entry, minimumTTL: TimeInterval, refreshAhead: TimeInterval, now: Date) -> Decision {
        if let token = entry.token, token.remaining(at: now) >= minimumTTL {
            let old = token.remaining(at: now) < max(refreshAhead, minimumTTL)
            let mayRefresh = !entry.refreshing && (entry.failure.map { now >= $0.retryAt } ?? true)
            return old && mayRefresh ? .serveAndRefreshAhead : .serve
        }
        if entry.refreshing { return .join }
        if let failure = entry.failure, now < failure.retryAt { return .fail(failure.error) }
        return .refresh
    }
}
