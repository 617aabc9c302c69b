import Synchronization

/// What a stand-in does instead of answering normally; tests switch it at run time.
public enum StandInFault: Sendable, Equatable {
    case none
    /// Wait this long, then answer normally.
    case delay(Duration)
    /// Answer with this status and a short JSON error.
    case status(Int)
    /// 429 with `Retry-After`.
    case throttle(retryAfterSeconds: Int)
    /// 200 with a body that is not what the protocol promises.
    case garbage
    /// Never answer (until the stand-in stops).
    case hang
    /// 307 to another URL (a client must not follow it with credentials).
    case redirect(to: String)
    /// 200 with a body of this many bytes (more than a client should read).
    case hugeBody(bytes: Int)
    /// 200 whose JSON body arrives one byte per `interval` (a slow drip that never quite stalls).
    case slowDrip(interval: Duration)
    /// 200 headers, part of a body, then the connection is dropped.
    case reset
}

/// Shared by every stand-in: the fault in force and how many requests each path received.
public final class StandInControl: Sendable {
    private let state = Mutex<(fault: StandInFault, counts: [String: Int], bodies: [String])>((.none, [:], []))

    public init() {}

    public var fault: StandInFault {
        get { state.withLock { $0.fault } }
        set { state.withLock { $0.fault = newValue } }
    }

    public func count(_ path: String) -> Int { state.withLock { $0.counts[path] ?? 0 } }

    public var totalRequests: Int { state.withLock { $0.counts.values.reduce(0, +) } }

    /// Every request body received, in order (tests check what the client sent).
    public var receivedBodies: [String] { state.withLock { $0.bodies } }

    func record(_ path: String, body: String) {
        state.withLock {
            $0.counts[path, default: 0] += 1
            $0.bodies.append(body)
        }
    }
}
