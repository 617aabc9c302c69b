public import Foundation

/// What may be said about a stored secret: that it is set, when it changed, and the key version sealing it.
public struct SecretMetadata: Sendable, Equatable {
    public var updatedAt: Date
    public var keyVersion: UInt32

    public init(updatedAt: Date, keyVersion: UInt32) {
        self.updatedAt = updatedAt
        self.keyVersion = keyVersion
    }
}
