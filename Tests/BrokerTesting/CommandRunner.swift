import Foundation
import Synchronization

/// Runs the built `credbroker` binary as a separate process, its output going to files (not pipes,
/// which can keep `swift test` waiting), awaited without blocking a thread of the cooperative pool.
public enum CommandRunner {
    /// What a finished command did.
    public struct Outcome: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public static func run(_ arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory) async throws -> Outcome {
        let process = try start(arguments, environment: environment, in: directory)
        let status = await process.exit()
        return Outcome(status: status, stdout: process.stdout, stderr: process.stderr)
    }

    public static func start(_ arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory) throws -> RunningCommand {
        try RunningCommand(arguments: arguments, environment: environment, directory: directory)
    }
}

/// A `credbroker` process that is still running.
public final class RunningCommand: Sendable {
    private let process: Process
    private let stdoutPath: String
    private let stderrPath: String
    private let exitStatus = ExitState()

    init(arguments: [String], environment: [String: String], directory: TemporaryDirectory) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutPath = directory.file("cmd-\(id).out")
        stderrPath = directory.file("cmd-\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: RepositoryPaths.binary)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CREDBROKER_") }
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.terminationHandler = { [exitStatus] finished in
            let waiters = exitStatus.state.withLock { state -> [CheckedContinuation<Int32, Never>] in
                state.status = finished.terminationStatus
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: finished.terminationStatus) }
        }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    public var outputFiles: [String] { [stdoutPath, stderrPath] }

    public func exit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let done = exitStatus.state.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Waits until `stderr` has a line matching `predicate`, or the process ends, or `timeout` passes.
    public func waitForStderr(timeout: Duration = .seconds(60), _ predicate: (String) -> String?) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for line in stderr.split(separator: "\n") {
                if let found = predicate(String(line)) { return found }
            }
            if exitStatus.state.withLock({ $0.status }) != nil { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Asks the process to stop (SIGTERM), then kills it if it has not within `grace`.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) async -> Int32 {
        kill(pid, SIGTERM)
        let killer = Task {
            try await Task.sleep(for: grace)
            kill(self.pid, SIGKILL)
        }
        let status = await exit()
        killer.cancel()
        return status
    }
}

/// The exit status of a process and who waits for it.
final class ExitState: Sendable {
    let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
}
