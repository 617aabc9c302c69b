import ArgumentParser
import BrokerSealing
import BrokerServer
import BrokerStorage
import Foundation

/// `credbroker keys …`: key rotation by ops while the service runs.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Inspect and rotate the key-encryption keys.",
        subcommands: [Status.self, Add.self, Activate.self, Rewrap.self, Retire.self, Rotate.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Key versions, which is active, and how many secrets each seals.")
        @Flag(help: "Print JSON (the shape of GET /v1/keys).") var json = false

        func run() async throws {
            let (configuration, keyring) = try await KeyringAccess.load()
            let status = KeyStatus(keyring: keyring, counts: try await CommandStore.open(configuration).secretCountsByKeyVersion())
            if json {
                Terminal.line(try Terminal.json(status))
                return
            }
            Terminal.line(Terminal.table(
                ["VERSION", "STATE", "SECRETS", "CREATED"],
                status.versions.map { version in
                    [String(version.version), version.state, String(version.secrets),
                     keyring.createdAt[version.version].map { $0.formatted(Date.ISO8601FormatStyle()) } ?? "-"]
                }))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new key version, decrypt-only. Confirm every replica loaded it (GET /v1/keys) before `activate`.")

        func run() async throws {
            let configuration = try await BrokerConfiguration.load()
            let keyring = try KeyringFile.update(path: configuration.keyringPath) { try $0.addingKey() }
            let added = keyring.loadedVersions.last!
            CommandAudit.record(configuration, event: "keys.added", detail: ["version": "\(added)"])
            Terminal.line("Added key version \(added) (decrypt-only); version \(keyring.activeVersion) stays active.")
            Terminal.line("Next: check every replica lists \(added) in GET /v1/keys or /readyz, then `credbroker keys activate \(added)`.")
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal new secrets under version N.")
        @Argument(help: "The key version to activate.") var version: UInt32

        func run() async throws {
            let configuration = try await BrokerConfiguration.load()
            try KeyringFile.update(path: configuration.keyringPath) { try $0.activating(version) }
            CommandAudit.record(configuration, event: "keys.activated", detail: ["version": "\(version)"])
            Terminal.line("Key version \(version) is active; new secrets are sealed under it. Next: `credbroker keys rewrap`.")
        }
    }

    struct Rewrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every data key under the active version (resumable: run it again after any interruption).")
        @Option(help: "Secrets per transaction.") var batchSize: Int = KeyRotation.defaultBatchSize

        func validate() throws {
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000") }
        }

        func run() async throws {
            let (configuration, keyring) = try await KeyringAccess.load()
            try await KeysCommand.rewrap(configuration: configuration, keyring: keyring, batchSize: batchSize)
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove version N's key material; refused while any secret is still sealed under it.")
        @Argument(help: "The key version to retire.") var version: UInt32

        func run() async throws {
            let (configuration, _) = try await KeyringAccess.load()
            let store = try await CommandStore.open(configuration)
            // Counted under the keyring lock, so no `activate` can slip in between.
            try await KeyringFile.update(path: configuration.keyringPath, checking: { _ in
                let inUse = try await store.secretCountsByKeyVersion()[version] ?? 0
                guard inUse == 0 else {
                    throw CommandFailure("refusing to retire key version \(version): \(inUse) secret(s) are still sealed under it; run `credbroker keys rewrap` first")
                }
            }) { keyring in try keyring.retiring(version) }
            CommandAudit.record(configuration, event: "keys.retired", detail: ["version": "\(version)"])
            Terminal.line("Retired key version \(version): its key material is gone from the keyring.")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a key, activate it and rewrap, on a single host (with replicas: add, confirm, activate, rewrap).")
        @Option(help: "Secrets per transaction.") var batchSize: Int = KeyRotation.defaultBatchSize

        func run() async throws {
            let configuration = try await BrokerConfiguration.load()
            let keyring = try KeyringFile.update(path: configuration.keyringPath) { current in try current.addingKey().activating(current.nextVersion) }
            CommandAudit.record(configuration, event: "keys.rotated", detail: ["version": "\(keyring.activeVersion)"])
            Terminal.line("Added and activated key version \(keyring.activeVersion).")
            try await KeysCommand.rewrap(configuration: configuration, keyring: keyring, batchSize: batchSize)
        }
    }

    static func rewrap(configuration: BrokerConfiguration, keyring: Keyring, batchSize: Int) async throws {
        let rotation = KeyRotation(store: try await CommandStore.open(configuration), keyring: keyring)
        let reporter = ProgressReporter(label: "rewrap to v\(keyring.activeVersion)")
        let start = ContinuousClock.now
        let result = try await rotation.rewrap(batchSize: batchSize) { reporter.report(done: $0.done, total: $0.total) }
        reporter.finish()
        let elapsed = ContinuousClock.now - start
        CommandAudit.record(configuration, event: "keys.rewrapped", detail: ["version": "\(keyring.activeVersion)", "rewrapped": "\(result.done)", "skipped": "\(result.skipped)"])
        Terminal.line("Rewrapped \(result.done) secret(s) to key version \(keyring.activeVersion) in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated)))"
            + (result.skipped > 0 ? "; \(result.skipped) changed meanwhile and were left to the change." : "."))
        let remaining = try await rotation.counts().filter { $0.key != keyring.activeVersion }
        if remaining.values.reduce(0, +) > 0 {
            throw CommandFailure("\(remaining.values.reduce(0, +)) secret(s) are still under older versions (a replica without the new keyring is still writing?); run `keys rewrap` again")
        }
    }
}

/// The keyring the configuration names.
enum KeyringAccess {
    static func load() async throws -> (BrokerConfiguration, Keyring) {
        let configuration = try await BrokerConfiguration.load()
        return (configuration, try KeyringFile.load(path: configuration.keyringPath))
    }
}

/// A progress bar on a terminal; plain lines (at most a few a second) otherwise.
final class ProgressReporter {
    let label: String
    let isTerminal = isatty(STDOUT_FILENO) == 1
    var lastLine = ContinuousClock.now - .seconds(1)
    var last = (done: -1, total: 0)
    var printed = (done: -1, total: 0)

    init(label: String) { self.label = label }

    func report(done: Int, total: Int) {
        last = (done, total)
        let now = ContinuousClock.now
        guard isTerminal || now - lastLine >= .milliseconds(200) || done == 0 else { return }
        lastLine = now
        printed = last
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            FileHandle.standardOutput.write(Data("\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: width - filled))] \(Int(fraction * 100))% \(done)/\(total)".utf8))
        } else {
            // Written unbuffered, so a watcher sees each line as it happens.
            FileHandle.standardOutput.write(Data("\(label): \(done)/\(total) (\(Int(fraction * 100))%)\n".utf8))
        }
    }

    func finish() {
        if isTerminal {
            Terminal.line("")
        } else if last.done >= 0, printed != last {
            FileHandle.standardOutput.write(Data("\(label): \(last.done)/\(last.total) (100%)\n".utf8))
        }
    }
}
