import Foundation

/// Where the repository and its build products are, for tests that run scripts or the built binary.
public enum RepositoryPaths {
    /// The package root (this file is Tests/BrokerTesting/RepositoryPaths.swift).
    public static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// The `credbroker` binary `swift build` made; `CREDBROKER_BINARY` overrides it.
    public static var binary: String {
        if let override = ProcessInfo.processInfo.environment["CREDBROKER_BINARY"] { return override }
        return root + "/.build/debug/credbroker"
    }
}
