import BrokerCore
public import Foundation

/// The versioned key-encryption keys this process holds, and which one seals new secrets.
public struct Keyring: Sendable {
    public let keys: [UInt32: KeyEncryptionKey]
    public let activeVersion: UInt32
    /// When each version was created, for `keys status`.
    public let createdAt: [UInt32: Date]

    public init(keys: [KeyEncryptionKey], activeVersion: UInt32, createdAt: [UInt32: Date] = [:]) throws(KeyringError) {
        var byVersion: [UInt32: KeyEncryptionKey] = [:]
        for key in keys {
            guard byVersion[key.version] == nil else { throw KeyringError.malformed("key version \(key.version) appears twice") }
            byVersion[key.version] = key
        }
        guard byVersion[activeVersion] != nil else {
            throw KeyringError.malformed("the active version \(activeVersion) is not among the keys (\(byVersion.keys.sorted().map(String.init).joined(separator: ", ")))")
        }
        self.keys = byVersion
        self.activeVersion = activeVersion
        self.createdAt = createdAt
    }

    public var active: KeyEncryptionKey { keys[activeVersion]! }

    public var loadedVersions: [UInt32] { keys.keys.sorted() }

    /// A new keyring with one fresh random key, version 1, active: what `init` writes.
    public static func generate(now: Date = Date()) throws -> Keyring {
        try Keyring(keys: [KeyEncryptionKey(version: 1, material: SecureRandom.secret(AESGCM.keyLength))], activeVersion: 1, createdAt: [1: now])
    }
}
