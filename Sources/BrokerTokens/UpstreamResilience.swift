public import BrokerCore
public import Foundation

/// Retries and per-upstream circuit breakers around token fetches. An upstream is a provider
/// endpoint (a token endpoint's host), shared by every integration that uses it.
public actor UpstreamResilience {
    public typealias Attempt = @Sendable () async throws(TokenFetchError) -> AccessToken

    private var breakers: [String: CircuitBreaker] = [:]
    private let policy: RetryPolicy
    private let makeBreaker: @Sendable () -> CircuitBreaker
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (TimeInterval) async -> Void
    private let jitter: @Sendable () -> Double

    public init(
        policy: RetryPolicy = RetryPolicy(), breaker: @escaping @Sendable () -> CircuitBreaker = { CircuitBreaker() },
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (TimeInterval) async -> Void = { try? await Task.sleep(for: .milliseconds(Int($0 * 1000))) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        makeBreaker = breaker
        self.now = now
        self.sleep = sleep
        self.jitter = jitter
    }

    /// Runs `attempt` against `upstream` with retries while its circuit lets calls through.
    public func run(upstream: String, _ attempt: Attempt) async throws(TokenFetchError) -> AccessToken {
        let started = now()
        var attempts = 0
        while true {
            if case .rejected(let retryAfter) = admit(upstream) {
                throw .unavailable(message: "The provider at \(upstream) is failing; the broker stops calling it for a while (circuit open).", retryAfter: max(1, Int(retryAfter.rounded(.up))))
            }
            attempts += 1
            do throws(TokenFetchError) {
                let token = try await attempt()
                breakers[upstream, default: makeBreaker()].recordSuccess()
                return token
            } catch {
                switch error {
                case .unavailable, .timeout: breakers[upstream, default: makeBreaker()].recordFailure(now: now())
                // The provider answered: it is up, whatever it thought of the credentials.
                case .credentialsRejected, .needsRelink: breakers[upstream, default: makeBreaker()].recordSuccess()
                case .noTokens: break
                }
                guard let delay = policy.delay(after: attempts, error: error, elapsed: now().timeIntervalSince(started), jitter: jitter()) else { throw error }
                await sleep(delay)
            }
        }
    }

    /// The circuit of each upstream that is not closed (for health and metrics).
    public var openCircuits: [String] { breakers.filter(\.value.isOpen).map(\.key).sorted() }

    private func admit(_ upstream: String) -> CircuitBreaker.Admission {
        breakers[upstream, default: makeBreaker()].admit(now: now())
    }
}
