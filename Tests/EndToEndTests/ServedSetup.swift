import BrokerTesting
import Foundation

/// A setup made by `credbroker init` in a temporary directory, and `serve` started on it.
struct ServedSetup {
    let directory: TemporaryDirectory
    let path: String
    let adminKey: String
    var environment: [String: String]

    /// Runs `init --dir` and reads back the environment file it wrote, listening on a free port.
    init(_ extra: [String: String] = [:]) async throws {
        directory = try TemporaryDirectory()
        path = directory.file("data")
        let initialized = try await CommandRunner.run(["init", "--dir", path], in: directory)
        guard initialized.status == 0 else { throw ConfigurationFailure("init failed: \(initialized.stderr)") }
        adminKey = initialized.stdout.split(separator: "\n").last.map(String.init) ?? ""
        environment = [:]
        for line in try String(contentsOfFile: path + "/credbroker.env", encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
        }
        environment["CREDBROKER_LISTEN"] = "127.0.0.1:0"
        environment.merge(extra) { $1 }
    }

    var caPEM: String { (try? String(contentsOfFile: path + "/tls/ca.pem", encoding: .utf8)) ?? "" }

    /// Starts `serve` and waits for the address it listens on.
    func serve() async throws -> (RunningCommand, String) {
        let server = try CommandRunner.start(["serve"], environment: environment, in: directory)
        let address = try await server.waitForStderr { line in
            line.range(of: "credbroker.address=").map { String(line[$0.upperBound...].prefix { !$0.isWhitespace }) }
        }
        guard let address else {
            await server.stop()
            throw ConfigurationFailure("serve did not start: \(server.stderr)")
        }
        return (server, address)
    }

    func run(_ arguments: [String]) async throws -> CommandRunner.Outcome {
        try await CommandRunner.run(arguments, environment: environment, in: directory)
    }
}

/// A test setup step that failed.
struct ConfigurationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
