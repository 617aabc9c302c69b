public import Foundation

/// When to try a failed token request again: only trouble that may pass quickly (5xx, throttling,
/// unreachable), never rejected credentials or a revoked grant, nor a timeout (the caller has waited
/// the whole upstream timeout already); exponential backoff with jitter so many brokers do
/// not retry in step; `Retry-After` honoured; and never past `budget`, so a caller waits a bounded time.
public struct RetryPolicy: Sendable, Equatable {
    public var maximumAttempts: Int
    public var baseDelay: TimeInterval
    public var maximumDelay: TimeInterval
    /// The longest a caller may wait in total, retries included.
    public var budget: TimeInterval

    public init(maximumAttempts: Int = 3, baseDelay: TimeInterval = 0.2, maximumDelay: TimeInterval = 2, budget: TimeInterval = 10) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.budget = budget
    }

    /// The pause before attempt `attempt + 1` after `error`, or nil to give up now.
    /// - Parameters:
    ///   - attempt: attempts made so far (1 after the first).
    ///   - elapsed: time spent since the first attempt started.
    ///   - jitter: a random number in 0..<1 (injected so tests are exact).
    public func delay(after attempt: Int, error: TokenFetchError, elapsed: TimeInterval, jitter: Double) -> TimeInterval? {
        guard attempt < maximumAttempts else { return nil }
        let delay: TimeInterval
        switch error {
        case .credentialsRejected, .needsRelink, .noTokens, .timeout:
            return nil
        case .unavailable(_, let retryAfter?) where retryAfter > 0:
            // The provider said when; waiting longer than we may is giving up, with its Retry-After.
            guard TimeInterval(retryAfter) <= maximumDelay else { return nil }
            delay = TimeInterval(retryAfter)
        case .unavailable:
            // "Equal jitter": half the exponential step, plus up to the other half at random.
            let step = min(maximumDelay, baseDelay * pow(2, Double(attempt - 1)))
            delay = step / 2 + step / 2 * min(max(jitter, 0), 1)
        }
        return elapsed + delay <= budget ? delay : nil
    }
}
