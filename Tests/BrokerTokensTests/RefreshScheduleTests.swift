import BrokerCore
import BrokerTokens
import Foundation
import Testing

private let now = Date(timeIntervalSince1970: 1_800_000_000)

private func token(expiresIn seconds: TimeInterval) -> AccessToken {
    AccessToken(value: SecretValue("t"), tokenType: "Bearer", expiresAt: now.addingTimeInterval(seconds), scopes: ["s"], issuedAt: now.addingTimeInterval(seconds - 3600))
}

/// One row of the refresh table.
struct ScheduleRow: Sendable, CustomTestStringConvertible {
    let label: String
    let entry: RefreshSchedule.Entry
    let minimumTTL: TimeInterval
    let decision: RefreshSchedule.Decision
    var testDescription: String { label }
}

@Suite struct RefreshScheduleTests {
    static let unavailable = TokenFetchError.unavailable(message: "down", retryAfter: 30)

    static let rows: [ScheduleRow] = [
        .init(label: "nothing cached", entry: .init(), minimumTTL: 300, decision: .refresh),
        .init(label: "fresh token", entry: .init(token: token(expiresIn: 3000)), minimumTTL: 300, decision: .serve),
        .init(label: "token inside the refresh-ahead window", entry: .init(token: token(expiresIn: 400)), minimumTTL: 300, decision: .serveAndRefreshAhead),
        .init(label: "old token, refresh already running", entry: .init(token: token(expiresIn: 400), refreshing: true), minimumTTL: 300, decision: .serve),
        .init(label: "token too short for the request", entry: .init(token: token(expiresIn: 200)), minimumTTL: 300, decision: .refresh),
        .init(label: "token too short, refresh running", entry: .init(token: token(expiresIn: 200), refreshing: true), minimumTTL: 300, decision: .join),
        .init(label: "expired token", entry: .init(token: token(expiresIn: -10)), minimumTTL: 0, decision: .refresh),
        .init(label: "recent failure, nothing usable", entry: .init(failure: (unavailable, now.addingTimeInterval(10))), minimumTTL: 300, decision: .fail(unavailable)),
        .init(label: "failure backoff over", entry: .init(failure: (unavailable, now.addingTimeInterval(-1))), minimumTTL: 300, decision: .refresh),
        .init(label: "recent failure but the cached token still serves", entry: .init(token: token(expiresIn: 400), failure: (unavailable, now.addingTimeInterval(10))), minimumTTL: 300, decision: .serve),
        .init(label: "small min TTL keeps an old token serving", entry: .init(token: token(expiresIn: 100)), minimumTTL: 60, decision: .serveAndRefreshAhead),
    ]

    /// The refresh decisions, as a table: serve, refresh ahead, refresh, join, or fail fast.
    @Test(arguments: rows)
    func decides(_ row: ScheduleRow) {
        #expect(RefreshSchedule.decide(row.entry, minimumTTL: row.minimumTTL, refreshAhead: 600, now: now) == row.decision)
    }
}

/// Counts upstream calls; each takes a moment so concurrent callers overlap.
actor FetchCounter {
    var calls = 0
    var failing = false

    func fetch(lifetime: TimeInterval) async throws(TokenFetchError) -> AccessToken {
        calls += 1
        let fail = failing
        try? await Task.sleep(for: .milliseconds(50))
        if fail { throw .unavailable(message: "down", retryAfter: nil) }
        return AccessToken(value: SecretValue("token-\(calls)"), tokenType: "Bearer", expiresAt: Date().addingTimeInterval(lifetime), scopes: [], issuedAt: Date())
    }

    func setFailing(_ value: Bool) { failing = value }
}

@Suite struct TokenCacheTests {
    let key = TokenCache.Key(integration: IntegrationName("fmis")!, scopes: ["b", "a"], credentials: "v1")

    /// 200 concurrent requests for one key cause exactly one upstream call, and all get its token.
    @Test func concurrentRequestsShareOneUpstreamCall() async throws {
        let cache = TokenCache()
        let counter = FetchCounter()
        let key = self.key
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await cache.token(for: key, minimumTTL: 300) { _ throws(TokenFetchError) in try await counter.fetch(lifetime: 3600) }.token.value.revealUTF8()
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(await counter.calls == 1)
        #expect(values == ["token-1"])
        // Served from the cache afterwards.
        let again = try await cache.token(for: key, minimumTTL: 300) { _ throws(TokenFetchError) in try await counter.fetch(lifetime: 3600) }
        #expect(again.cached)
        #expect(await counter.calls == 1)
    }

    /// A failing refresh does not take away a cached token that still meets the request, and a
    /// request it cannot meet fails fast during the backoff instead of calling the provider again.
    @Test func failuresKeepServingAndBackOff() async throws {
        let cache = TokenCache(refreshAhead: 3000, failureBackoff: 60)
        let counter = FetchCounter()
        let key = self.key
        _ = try await cache.token(for: key, minimumTTL: 0) { _ throws(TokenFetchError) in try await counter.fetch(lifetime: 1000) }
        await counter.setFailing(true)
        // Inside the refresh-ahead window: served, with a background refresh that fails.
        let served = try await cache.token(for: key, minimumTTL: 300) { _ throws(TokenFetchError) in try await counter.fetch(lifetime: 1000) }
        #expect(served.token.value.revealUTF8() == "token-1")
        try await Task.sleep(for: .milliseconds(150))
        #expect(await counter.calls == 2)
        // A request the cached token cannot meet fails fast, without another upstream call.
        await #expect(throws: TokenFetchError.self) {
            _ = try await cache.token(for: key, minimumTTL: 2000) { _ throws(TokenFetchError) in try await counter.fetch(lifetime: 1000) }
        }
        #expect(await counter.calls == 2)
        // Still served to whoever it satisfies.
        #expect(try await cache.token(for: key, minimumTTL: 300) { _ throws(TokenFetchError) in try await counter.fetch(lifetime: 1000) }.token.value.revealUTF8() == "token-1")
    }

    /// Keys differ by scopes (in any order they are named) and by credentials version.
    @Test func keysSeparateScopesAndCredentials() {
        let name = IntegrationName("fmis")!
        #expect(TokenCache.Key(integration: name, scopes: ["a", "b"], credentials: "v1") == TokenCache.Key(integration: name, scopes: ["b", "a"], credentials: "v1"))
        #expect(TokenCache.Key(integration: name, scopes: ["a"], credentials: "v1") != TokenCache.Key(integration: name, scopes: ["a"], credentials: "v2"))
    }
}
