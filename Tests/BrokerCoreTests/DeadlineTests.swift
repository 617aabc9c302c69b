import BrokerCore
import Dispatch
import Testing

/// `withDeadline` returns the operation's answer, or its timeout error on time even when the
/// operation ignores cancellation (what a task group would wait for).
@Suite struct DeadlineTests {
    struct TimedOut: Error {}
    struct Failed: Error {}

    @Test func returnsTheAnswerAndPassesErrorsThrough() async throws {
        #expect(try await withDeadline(.seconds(5), orThrow: { TimedOut() }) { 42 } == 42)
        await #expect(throws: Failed.self) { try await withDeadline(.seconds(5), orThrow: { TimedOut() }) { () throws -> Int in throw Failed() } }
    }

    /// Waits ten seconds whatever happens to its task (as a driver call that ignores cancellation).
    static func deafWait() async -> Int {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) { continuation.resume(returning: 1) }
        }
    }

    @Test func timesOutAnOperationThatIgnoresCancellation() async throws {
        let started = ContinuousClock.now
        await #expect(throws: TimedOut.self) {
            try await withDeadline(.milliseconds(200), orThrow: { TimedOut() }) { await Self.deafWait() }
        }
        #expect(ContinuousClock.now - started < .seconds(8), "the caller waited for the deaf operation")
    }

    @Test func cancellingTheCallerEndsTheWait() async throws {
        let waiting = Task {
            try await withDeadline(.seconds(30), orThrow: { TimedOut() }) { await Self.deafWait() }
        }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(ContinuousClock.now - started < .seconds(8), "the caller waited for the deaf operation")
    }
}
