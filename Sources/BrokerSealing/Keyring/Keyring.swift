import BrokerCore
public import Foundation

/// The versioned key-encryption keys this process holds, and which one seals new secrets.
/// Versions only grow: a retired version's number is remembered and never used again.
public struct Keyring: Sendable {
    public let keys: [UInt32: KeyEncryptionKey]
    public let activeVersion: UInt32
    /// When each version was created, for `keys status`.
    public let createdAt: [UInt32: Date]
    /// Versions whose key material has been removed.
    public let retired: [UInt32]

    public init(keys: [KeyEncryptionKey], activeVersion: UInt32, createdAt: [UInt32: Date] = [:], retired: [UInt32] = []) throws(KeyringError) {
        var byVersion: [UInt32: KeyEncryptionKey] = [:]
        for key in keys {
            guard byVersion[key.version] == nil else { throw KeyringError.malformed("key version \(key.version) appears twice") }
            byVersion[key.version] = key
        }
        guard byVersion[activeVersion] != nil else {
            throw KeyringError.malformed("the active version \(activeVersion) is not among the keys (\(byVersion.keys.sorted().map(String.init).joined(separator: ", ")))")
        }
        if let reused = retired.first(where: { byVersion[$0] != nil }) {
            throw KeyringError.malformed("key version \(reused) is both present and retired")
        }
        self.keys = byVersion
        self.activeVersion = activeVersion
        self.createdAt = createdAt
        self.retired = retired.sorted()
    }

    public var active: KeyEncryptionKey { keys[activeVersion]! }

    public var loadedVersions: [UInt32] { keys.keys.sorted() }

    /// The number the next added key gets: above every version ever used, retired ones included.
    public var nextVersion: UInt32 { (keys.keys.max().map { max($0, retired.max() ?? 0) } ?? 0) + 1 }

    /// A new keyring with one fresh random key, version 1, active: what `init` writes.
    public static func generate(now: Date = Date()) throws -> Keyring {
        try Keyring(keys: [KeyEncryptionKey(version: 1, material: SecureRandom.secret(AESGCM.keyLength))], activeVersion: 1, createdAt: [1: now])
    }

    /// This keyring plus a fresh random key under the next version, not yet active (decrypt-only).
    public func addingKey(now: Date = Date()) throws -> Keyring {
        let version = nextVersion
        var dates = createdAt
        dates[version] = now
        return try Keyring(
            keys: Array(keys.values) + [KeyEncryptionKey(version: version, material: SecureRandom.secret(AESGCM.keyLength))],
            activeVersion: activeVersion, createdAt: dates, retired: retired)
    }

    /// This keyring with `version` sealing new secrets.
    public func activating(_ version: UInt32) throws(KeyringError) -> Keyring {
        guard keys[version] != nil else {
            throw KeyringError.refused("key version \(version) is not in the keyring (versions: \(loadedVersions.map(String.init).joined(separator: ", ")))")
        }
        return try Keyring(keys: Array(keys.values), activeVersion: version, createdAt: createdAt, retired: retired)
    }

    /// This keyring without `version`'s key material. The caller must first make sure nothing is
    /// sealed under it; the active version cannot be retired.
    public func retiring(_ version: UInt32) throws(KeyringError) -> Keyring {
        guard keys[version] != nil else { throw KeyringError.refused("key version \(version) is not in the keyring") }
        guard version != activeVersion else {
            throw KeyringError.refused("key version \(version) is active; activate another version first")
        }
        var dates = createdAt
        dates[version] = nil
        return try Keyring(keys: keys.values.filter { $0.version != version }, activeVersion: activeVersion, createdAt: dates, retired: retired + [version])
    }
}
