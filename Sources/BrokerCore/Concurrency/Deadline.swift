import Synchronization

/// Runs `operation` and returns what it returns, or throws `timeoutError()` once `limit` has passed,
/// whichever comes first. Unlike a task group, it does not wait for an operation that ignores
/// cancellation: the operation is cancelled and left to finish on its own, the caller goes on.
/// Cancelling the caller cancels the operation and throws `CancellationError` at once.
public func withDeadline<Result: Sendable>(
    _ limit: Duration, orThrow timeoutError: @escaping @Sendable () -> any Error, _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let race = DeadlineRace<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            guard race.begin(continuation) else {
                continuation.resume(throwing: CancellationError())
                return
            }
            let work = Task {
                do {
                    race.finish(.success(try await operation()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled { race.finish(.failure(timeoutError())) }
            }
            race.attach([work, timer])
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, the timer and the caller's cancellation to finish resumes the
/// caller, exactly once, and cancels the other two.
private final class DeadlineRace<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var done = false
        var tasks: [Task<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// False when the caller was cancelled before the race began.
    func begin(_ continuation: CheckedContinuation<Result, any Error>) -> Bool {
        state.withLock { state in
            guard !state.done else { return false }
            state.continuation = continuation
            return true
        }
    }

    func attach(_ tasks: [Task<Void, Never>]) {
        let finishedAlready = state.withLock { state in
            if state.done { return true }
            state.tasks = tasks
            return false
        }
        if finishedAlready { tasks.forEach { $0.cancel() } }
    }

    func finish(_ result: Swift.Result<Result, any Error>) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<Result, any Error>?, [Task<Void, Never>]) in
            guard !state.done else { return (nil, []) }
            state.done = true
            defer {
                state.continuation = nil
                state.tasks = []
            }
            return (state.continuation, state.tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }
}
