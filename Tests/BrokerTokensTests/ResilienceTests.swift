import BrokerCore
import BrokerTokens
import Foundation
import Synchronization
import Testing

private let start = Date(timeIntervalSince1970: 1_800_000_000)

/// One row of the retry table.
struct RetryRow: Sendable, CustomTestStringConvertible {
    let label: String
    let attempt: Int
    let error: TokenFetchError
    let elapsed: TimeInterval
    let jitter: Double
    let delay: TimeInterval?
    var testDescription: String { label }
}

@Suite struct RetryPolicyTests {
    static let down = TokenFetchError.unavailable(message: "503", retryAfter: nil)

    static let rows: [RetryRow] = [
        .init(label: "first 5xx: half a base step plus jitter", attempt: 1, error: down, elapsed: 0.1, jitter: 0, delay: 0.1),
        .init(label: "first 5xx, full jitter", attempt: 1, error: down, elapsed: 0.1, jitter: 1, delay: 0.2),
        .init(label: "second 5xx doubles the step", attempt: 2, error: down, elapsed: 0.5, jitter: 0.5, delay: 0.3),
        .init(label: "attempts used up", attempt: 3, error: down, elapsed: 1, jitter: 0.5, delay: nil),
        .init(label: "timeout: the caller has waited long enough", attempt: 1, error: .timeout(message: "t"), elapsed: 2, jitter: 0, delay: nil),
        .init(label: "5xx past the budget", attempt: 2, error: down, elapsed: 9.9, jitter: 1, delay: nil),
        .init(label: "Retry-After honoured", attempt: 1, error: .unavailable(message: "429", retryAfter: 1), elapsed: 0.1, jitter: 0.9, delay: 1),
        .init(label: "Retry-After longer than we may wait: give up with it", attempt: 1, error: .unavailable(message: "429", retryAfter: 30), elapsed: 0.1, jitter: 0, delay: nil),
        .init(label: "rejected credentials never retried", attempt: 1, error: .credentialsRejected(code: "invalid_client", message: "x"), elapsed: 0, jitter: 0, delay: nil),
        .init(label: "revoked grant never retried", attempt: 1, error: .needsRelink(message: "x"), elapsed: 0, jitter: 0, delay: nil),
        .init(label: "no tokens for this kind", attempt: 1, error: .noTokens(message: "x"), elapsed: 0, jitter: 0, delay: nil),
    ]

    @Test(arguments: rows)
    func retryDecisions(_ row: RetryRow) {
        let delay = RetryPolicy().delay(after: row.attempt, error: row.error, elapsed: row.elapsed, jitter: row.jitter)
        if let expected = row.delay {
            #expect(delay.map { abs($0 - expected) < 1e-9 } == true, "\(String(describing: delay))")
        } else {
            #expect(delay == nil)
        }
    }
}

@Suite struct CircuitBreakerTests {
    /// Closed → open after the threshold → rejecting with the time left → one probe after the
    /// cooldown → closed on success, open again on failure.
    @Test func opensRejectsProbesAndRecovers() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: 30)
        for _ in 0..<2 { breaker.recordFailure(now: start) }
        #expect(breaker.admit(now: start) == .allowed)
        breaker.recordFailure(now: start)
        #expect(breaker.state == .open(until: start.addingTimeInterval(30)))
        #expect(breaker.admit(now: start.addingTimeInterval(10)) == .rejected(retryAfter: 20))
        #expect(breaker.admit(now: start.addingTimeInterval(30)) == .allowed, "the probe")
        #expect(breaker.admit(now: start.addingTimeInterval(30)) == .rejected(retryAfter: 1), "one probe at a time")
        breaker.recordFailure(now: start.addingTimeInterval(31))
        #expect(breaker.state == .open(until: start.addingTimeInterval(61)), "a failed probe reopens")
        #expect(breaker.admit(now: start.addingTimeInterval(61)) == .allowed)
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0))
    }

    @Test func aSuccessResetsTheCount() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: 30)
        breaker.recordFailure(now: start)
        breaker.recordFailure(now: start)
        breaker.recordSuccess()
        breaker.recordFailure(now: start)
        #expect(breaker.state == .closed(failures: 1))
    }
}

@Suite struct UpstreamResilienceTests {
    final class Clock: Sendable {
        let time = Mutex(start)
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static let token = AccessToken(value: SecretValue("t"), tokenType: "Bearer", expiresAt: start.addingTimeInterval(3600), scopes: [], issuedAt: start)

    /// Transient failures are retried (the clock advances by each pause, no real sleeping); a dead
    /// upstream opens its circuit so later calls fail at once without reaching it; other upstreams
    /// are unaffected; after the cooldown one probe closes it again.
    @Test func retriesThenOpensTheCircuitAndRecovers() async throws {
        let clock = Clock()
        let resilience = UpstreamResilience(
            policy: RetryPolicy(maximumAttempts: 3), breaker: { CircuitBreaker(threshold: 5, cooldown: 30) }, now: { clock.now },
            sleep: { clock.advance($0) }, jitter: { 0.5 })
        let calls = Mutex(0)
        let failing: UpstreamResilience.Attempt = { () throws(TokenFetchError) in
            calls.withLock { $0 += 1 }
            throw .unavailable(message: "503", retryAfter: nil)
        }
        await #expect(throws: TokenFetchError.self) { try await resilience.run(upstream: "idp", failing) }
        #expect(calls.withLock { $0 } == 3, "three attempts")
        await #expect(throws: TokenFetchError.self) { try await resilience.run(upstream: "idp", failing) }
        #expect(calls.withLock { $0 } == 5, "the fifth failure opens the circuit before a sixth call")
        do {
            _ = try await resilience.run(upstream: "idp", failing)
            Issue.record("an open circuit must refuse")
        } catch {
            guard case .unavailable(_, let retryAfter?) = error else { Issue.record("\(error)"); return }
            #expect(retryAfter > 0 && retryAfter <= 30)
        }
        #expect(calls.withLock { $0 } == 5, "no call while open")
        #expect(await resilience.openCircuits == ["idp"])
        #expect(try await resilience.run(upstream: "other") { Self.token }.value.revealUTF8() == "t")

        clock.advance(31)
        #expect(try await resilience.run(upstream: "idp") { Self.token }.value.revealUTF8() == "t", "the probe succeeds")
        #expect(await resilience.openCircuits.isEmpty)
    }

    /// Rejected credentials are the provider answering: they neither retry nor count against it.
    @Test func rejectedCredentialsDoNotTripTheBreaker() async throws {
        let resilience = UpstreamResilience(breaker: { CircuitBreaker(threshold: 2, cooldown: 30) }, sleep: { _ in })
        let calls = Mutex(0)
        for _ in 0..<5 {
            await #expect(throws: TokenFetchError.self) {
                try await resilience.run(upstream: "idp") { () throws(TokenFetchError) in
                    calls.withLock { $0 += 1 }
                    throw .credentialsRejected(code: "invalid_client", message: "no")
                }
            }
        }
        #expect(calls.withLock { $0 } == 5)
        #expect(await resilience.openCircuits.isEmpty)
    }
}
