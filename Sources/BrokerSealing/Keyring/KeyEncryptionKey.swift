public import BrokerCore

/// One numbered key-encryption key (KEK) from the keyring; it wraps data keys, never secrets directly.
public struct KeyEncryptionKey: Sendable {
    public let version: UInt32
    public let material: SecretValue

    public init(version: UInt32, material: SecretValue) {
        precondition(material.count == AESGCM.keyLength, "a key-encryption key is 32 bytes")
        self.version = version
        self.material = material
    }
}
