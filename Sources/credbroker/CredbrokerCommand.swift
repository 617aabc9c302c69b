import ArgumentParser
import Foundation

/// The `credbroker` command tree.
struct CredbrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credbroker",
        abstract: "An HTTPS credential broker: sealed integration secrets, tokens by name.",
        subcommands: [DemoCommand.self, ServeCommand.self, InitCommand.self, ClientsCommand.self, IntegrationsCommand.self, KeysCommand.self])
}

/// Runs the command tree with the contract's exit codes: 0 ok, 1 failure, 2 usage; errors are one line on stderr.
@main
enum CredbrokerMain {
    static func main() async {
        unblockShutdownSignals()
        let command: any ParsableCommand
        do {
            command = try CredbrokerCommand.parseAsRoot()
        } catch {
            let code = CredbrokerCommand.exitCode(for: error)
            if code == .success {
                print(CredbrokerCommand.fullMessage(for: error))
                exit(0)
            }
            FileHandle.standardError.write(Data((CredbrokerCommand.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            let code = CredbrokerCommand.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((CredbrokerCommand.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            FileHandle.standardError.write(Data("credbroker: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// A parent can start us with SIGTERM, SIGINT or SIGHUP blocked (a supervisor, or a Swift program
/// spawning us from a pool thread); then graceful shutdown and keyring reloads would never happen.
private func unblockShutdownSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
}
