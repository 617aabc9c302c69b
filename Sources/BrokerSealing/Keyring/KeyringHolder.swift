import BrokerCore
import Foundation
import Synchronization

/// The keyring a running process uses, swappable when ops change the file (SIGHUP, file change).
public final class KeyringHolder: Sendable {
    private let current: Mutex<Keyring>
    private let lastSignature: Mutex<FileSignature?>
    public let path: String?

    public init(_ keyring: Keyring, path: String? = nil) {
        current = Mutex(keyring)
        self.path = path
        var info = stat()
        lastSignature = Mutex(path.flatMap { stat($0, &info) == 0 ? FileSignature(info) : nil })
    }

    public var keyring: Keyring { current.withLock { $0 } }

    /// Reads the file again; on failure the keyring in use stays as it was.
    @discardableResult
    public func reload() throws(KeyringError) -> Keyring {
        guard let path else { return keyring }
        // Taken before reading, so a write racing the read is seen as a change on the next poll.
        var info = stat()
        let signature = stat(path, &info) == 0 ? FileSignature(info) : nil
        let fresh = try KeyringFile.load(path: path)
        current.withLock { $0 = fresh }
        lastSignature.withLock { $0 = signature }
        return fresh
    }

    public var sealer: EnvelopeSealer {
        EnvelopeSealer(keyring: { [self] in self.keyring }, reloadKeyring: { [self] in try? self.reload() })
    }

    /// Reloads when the file changed since the last load (modification time, size or inode), so a
    /// poll costs one `stat`. Returns the new keyring, or nil when nothing changed.
    public func reloadIfChanged() throws(KeyringError) -> Keyring? {
        guard let path else { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let signature = FileSignature(info)
        guard signature != lastSignature.withLock({ $0 }) else { return nil }
        return try reload()
    }
}

/// What identifies one version of a file cheaply: inode, size and modification time.
struct FileSignature: Equatable, Sendable {
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int

    init(_ info: stat) {
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
    }
}
