public import BrokerSealing
import Foundation
public import Logging
public import ServiceLifecycle
import UnixSignals

/// Keeps a running server's keyring current without a restart: reloads on SIGHUP and whenever the
/// file changes (polled with `stat`, which also sees Kubernetes' symlink swaps of mounted Secrets).
/// A keyring that fails to load is logged and the one in use is kept. SIGHUP also runs
/// `alsoOnSIGHUP` (the server certificate's reload), so one signal refreshes everything.
public struct KeyringReloader: Service {
    let holder: KeyringHolder
    let pollInterval: Duration?
    let listensForSIGHUP: Bool
    let logger: Logger
    let alsoOnSIGHUP: @Sendable () -> Void

    public init(holder: KeyringHolder, pollInterval: Duration?, listensForSIGHUP: Bool = true, logger: Logger, alsoOnSIGHUP: @escaping @Sendable () -> Void = {}) {
        self.holder = holder
        self.pollInterval = pollInterval
        self.listensForSIGHUP = listensForSIGHUP
        self.logger = logger
        self.alsoOnSIGHUP = alsoOnSIGHUP
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.watch()
        }
    }

    private func watch() async {
        await withTaskGroup(of: Void.self) { group in
            if listensForSIGHUP {
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        reload(because: "SIGHUP") { try holder.reload() }
                        alsoOnSIGHUP()
                    }
                }
            }
            if let pollInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        reload(because: "file changed") { try holder.reloadIfChanged() }
                    }
                }
            }
            await group.waitForAll()
        }
    }

    private func reload(because reason: String, _ load: () throws -> Keyring?) {
        do {
            guard let keyring = try load() else { return }
            logger.notice(
                "keyring reloaded",
                metadata: [
                    "credbroker.reason": "\(reason)", "credbroker.keyring.active": "\(keyring.activeVersion)",
                    "credbroker.keyring.loaded": "\(keyring.loadedVersions.map(String.init).joined(separator: ","))",
                ])
        } catch {
            logger.error("keyring reload failed; keeping the keyring in use", metadata: ["credbroker.reason": "\(reason)", "credbroker.error": "\(error)"])
        }
    }
}
