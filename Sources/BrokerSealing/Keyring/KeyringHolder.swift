import BrokerCore
import Synchronization

/// The keyring a running process uses, swappable when ops change the file (SIGHUP, file change).
public final class KeyringHolder: Sendable {
    private let current: Mutex<Keyring>
    public let path: String?

    public init(_ keyring: Keyring, path: String? = nil) {
        current = Mutex(keyring)
        self.path = path
    }

    public var keyring: Keyring { current.withLock { $0 } }

    /// Reads the file again; on failure the keyring in use stays as it was.
    @discardableResult
    public func reload() throws(KeyringError) -> Keyring {
        guard let path else { return keyring }
        let fresh = try KeyringFile.load(path: path)
        current.withLock { $0 = fresh }
        return fresh
    }

    public var sealer: EnvelopeSealer {
        EnvelopeSealer(keyring: { [self] in self.keyring })
    }
}
