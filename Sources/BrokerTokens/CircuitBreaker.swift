public import Foundation

/// One upstream's circuit breaker as a pure value: after `threshold` transient failures in a row the
/// circuit opens and calls fail at once for `cooldown`; then one probe goes through (half-open), and
/// its outcome closes or reopens the circuit. A dead provider thus costs callers nothing but a quick
/// 503, and recovers without a restart. Rejected credentials are not failures of the provider.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: Date)
        /// The one probe after a cooldown is under way; others are turned away until it reports.
        case probing
    }

    /// Whether a call may go upstream.
    public enum Admission: Sendable, Equatable {
        case allowed
        case rejected(retryAfter: TimeInterval)
    }

    public let threshold: Int
    public let cooldown: TimeInterval
    public private(set) var state: State = .closed(failures: 0)

    public init(threshold: Int = 5, cooldown: TimeInterval = 30) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    public mutating func admit(now: Date) -> Admission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until) where now >= until:
            state = .probing
            return .allowed
        case .open(let until):
            return .rejected(retryAfter: until.timeIntervalSince(now))
        case .probing:
            return .rejected(retryAfter: 1)
        }
    }

    public mutating func recordSuccess() {
        state = .closed(failures: 0)
    }

    public mutating func recordFailure(now: Date) {
        switch state {
        case .closed(let failures):
            state = failures + 1 >= threshold ? .open(until: now.addingTimeInterval(cooldown)) : .closed(failures: failures + 1)
        case .probing:
            state = .open(until: now.addingTimeInterval(cooldown))
        case .open:
            break
        }
    }

    public var isOpen: Bool {
        if case .closed = state { return false }
        return true
    }
}
