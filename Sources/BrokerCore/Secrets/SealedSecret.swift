/// A secret as stored: the envelope `Sealing` produced, kept by `Storage` as opaque bytes.
///
/// Layout (all integers big-endian; see docs/sealed-format.md):
/// `format(1)=0x01 · keyVersion(4) · wrapNonce(12) · wrappedKey(32) · wrapTag(16) · nonce(12) · ciphertext(n) · tag(16)`.
public struct SealedSecret: Sendable, Equatable {
    public static let formatVersion: UInt8 = 1
    public static let nonceLength = 12
    public static let tagLength = 16
    public static let dataKeyLength = 32
    /// Bytes before the ciphertext.
    public static let headerLength = 1 + 4 + nonceLength + dataKeyLength + tagLength + nonceLength
    public static let minimumLength = headerLength + tagLength

    /// The stored form, kept whole: the store reads and writes it as one blob and a rewrap compares
    /// it, so the parts below are views into it rather than six arrays of their own.
    public let serialized: [UInt8]

    private static let wrapNonceRange = 5..<(5 + nonceLength)
    private static let wrappedKeyRange = wrapNonceRange.upperBound..<(wrapNonceRange.upperBound + dataKeyLength)
    private static let wrapTagRange = wrappedKeyRange.upperBound..<(wrappedKeyRange.upperBound + tagLength)
    private static let nonceRange = wrapTagRange.upperBound..<headerLength

    /// Big-endian in bytes 1...4.
    public var keyVersion: UInt32 { serialized[1..<5].reduce(0) { $0 << 8 | UInt32($1) } }
    public var wrapNonce: [UInt8] { Array(serialized[Self.wrapNonceRange]) }
    public var wrappedKey: [UInt8] { Array(serialized[Self.wrappedKeyRange]) }
    public var wrapTag: [UInt8] { Array(serialized[Self.wrapTagRange]) }
    public var nonce: [UInt8] { Array(serialized[Self.nonceRange]) }
    public var ciphertext: [UInt8] { Array(serialized[Self.headerLength..<(serialized.count - Self.tagLength)]) }
    public var tag: [UInt8] { Array(serialized[(serialized.count - Self.tagLength)...]) }

    public init(
        keyVersion: UInt32, wrapNonce: [UInt8], wrappedKey: [UInt8], wrapTag: [UInt8],
        nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]
    ) {
        precondition(wrapNonce.count == Self.nonceLength && nonce.count == Self.nonceLength)
        precondition(wrappedKey.count == Self.dataKeyLength)
        precondition(wrapTag.count == Self.tagLength && tag.count == Self.tagLength)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.minimumLength + ciphertext.count)
        bytes.append(contentsOf: Self.versionHeader(keyVersion))
        bytes.append(contentsOf: wrapNonce)
        bytes.append(contentsOf: wrappedKey)
        bytes.append(contentsOf: wrapTag)
        bytes.append(contentsOf: nonce)
        bytes.append(contentsOf: ciphertext)
        bytes.append(contentsOf: tag)
        self.serialized = bytes
    }

    /// The same secret with its data key wrapped anew: the nonce, ciphertext and tag bytes are kept.
    public init(rewrapping sealed: SealedSecret, keyVersion: UInt32, wrapNonce: [UInt8], wrappedKey: [UInt8], wrapTag: [UInt8]) {
        precondition(wrapNonce.count == Self.nonceLength && wrappedKey.count == Self.dataKeyLength && wrapTag.count == Self.tagLength)
        var bytes = sealed.serialized
        bytes.replaceSubrange(0..<5, with: Self.versionHeader(keyVersion))
        bytes.replaceSubrange(Self.wrapNonceRange, with: wrapNonce)
        bytes.replaceSubrange(Self.wrappedKeyRange, with: wrappedKey)
        bytes.replaceSubrange(Self.wrapTagRange, with: wrapTag)
        self.serialized = bytes
    }

    /// Parses stored bytes; nil when they are not a sealed secret of a known format.
    public init?(serialized bytes: [UInt8]) {
        guard bytes.count >= Self.minimumLength, bytes[0] == Self.formatVersion else { return nil }
        serialized = bytes
    }

    /// The first five bytes: format and key version.
    private static func versionHeader(_ keyVersion: UInt32) -> [UInt8] {
        [formatVersion, UInt8(keyVersion >> 24 & 0xff), UInt8(keyVersion >> 16 & 0xff), UInt8(keyVersion >> 8 & 0xff), UInt8(keyVersion & 0xff)]
    }
}
