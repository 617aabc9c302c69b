import BrokerCore
public import Foundation

/// The keyring's JSON file: `{"format": 1, "active": N, "keys": [{"version", "created_at", "key" (base64, 32 bytes)}],
/// "retired": [versions]}`. Versions only grow; `keys add|activate|retire` edit it under a lock
/// (write a temporary file, fsync, rename, fsync the directory), keeping mode 0600.
public enum KeyringFile {
    public static let format = 1

    private struct Document: Codable {
        var format: Int
        var active: UInt32
        var keys: [Entry]
        var retired: [UInt32]?
    }

    private struct Entry: Codable {
        var version: UInt32
        var created_at: String?
        var key: String
    }

    /// Loads and checks a keyring file: it must exist, be readable by its owner only, and be well-formed.
    public static func load(path: String) throws(KeyringError) -> Keyring {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw KeyringError.missing(path: path) }
            throw KeyringError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw KeyringError.unreadable(path: path, reason: "not a regular file") }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyringError.tooOpen(path: path, mode: String(info.st_mode & 0o777, radix: 8))
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw KeyringError.unreadable(path: path, reason: "permission denied or I/O error")
        }
        return try parse(data)
    }

    /// Parses keyring JSON; each error names what is wrong without echoing key material.
    public static func parse(_ data: Data) throws(KeyringError) -> Keyring {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw KeyringError.malformed("expected a JSON object with \"format\", \"active\" and \"keys\" [{\"version\", \"key\"}]")
        }
        guard document.format == format else { throw KeyringError.malformed("format \(document.format) is not supported (expected \(format))") }
        guard !document.keys.isEmpty else { throw KeyringError.malformed("it holds no keys") }
        var keys: [KeyEncryptionKey] = []
        var createdAt: [UInt32: Date] = [:]
        for entry in document.keys {
            guard entry.version > 0 else { throw KeyringError.malformed("key versions start at 1") }
            guard var material = Data(base64Encoded: entry.key) else {
                throw KeyringError.malformed("key version \(entry.version) is not base64")
            }
            defer { material.resetBytes(in: 0..<material.count) }
            guard material.count == AESGCM.keyLength else {
                throw KeyringError.malformed("key version \(entry.version) is \(material.count) bytes; keys are 32 bytes (AES-256)")
            }
            keys.append(KeyEncryptionKey(version: entry.version, material: SecretValue(bytes: material)))
            if let created = entry.created_at { createdAt[entry.version] = ISO8601DateFormatter().date(from: created) }
        }
        return try Keyring(keys: keys, activeVersion: document.active, createdAt: createdAt, retired: document.retired ?? [])
    }

    /// Writes a keyring atomically with mode 0600: a temporary file beside it, fsync, rename.
    public static func write(_ keyring: Keyring, to path: String, overwrite: Bool) throws {
        if !overwrite, FileManager.default.fileExists(atPath: path) { throw KeyringError.exists(path: path) }
        let formatter = ISO8601DateFormatter()
        let document = Document(
            format: format, active: keyring.activeVersion,
            keys: keyring.loadedVersions.map { version in
                let key = keyring.keys[version]!
                return Entry(
                    version: version, created_at: keyring.createdAt[version].map(formatter.string(from:)),
                    key: key.material.withUnsafeBytes { Data($0).base64EncodedString() })
            },
            retired: keyring.retired.isEmpty ? nil : keyring.retired)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(document)
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyringError.unreadable(path: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0, close(fd) == 0 else {
            unlink(temporary)
            throw KeyringError.unreadable(path: temporary, reason: "could not write the whole file")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KeyringError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        // The rename is durable only once the directory entry is.
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Reads, changes and writes the keyring at `path` while holding an exclusive lock on
    /// `path.lock`, so two `keys` commands never lose each other's change. Returns the new keyring.
    @discardableResult
    public static func update(path: String, _ change: (Keyring) throws -> Keyring) throws -> Keyring {
        let lock = try acquireLock(path)
        defer { releaseLock(lock) }
        let changed = try change(try load(path: path))
        try write(changed, to: path, overwrite: true)
        return changed
    }

    /// `update` whose change first awaits a check (e.g. counting secrets in a database) under the same lock.
    @discardableResult
    public static func update(path: String, checking check: (Keyring) async throws -> Void, _ change: (Keyring) throws -> Keyring) async throws -> Keyring {
        let lock = try acquireLock(path)
        defer { releaseLock(lock) }
        let current = try load(path: path)
        try await check(current)
        let changed = try change(current)
        try write(changed, to: path, overwrite: true)
        return changed
    }

    private static func acquireLock(_ path: String) throws -> Int32 {
        let lockPath = path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw KeyringError.unreadable(path: lockPath, reason: String(cString: strerror(errno))) }
        guard flock(lock, LOCK_EX) == 0 else {
            let reason = String(cString: strerror(errno))
            close(lock)
            throw KeyringError.unreadable(path: lockPath, reason: reason)
        }
        return lock
    }

    private static func releaseLock(_ lock: Int32) {
        flock(lock, LOCK_UN)
        close(lock)
    }
}
