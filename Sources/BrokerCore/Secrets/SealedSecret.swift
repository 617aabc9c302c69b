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

    public let keyVersion: UInt32
    public let wrapNonce: [UInt8]
    public let wrappedKey: [UInt8]
    public let wrapTag: [UInt8]
    public let nonce: [UInt8]
    public let ciphertext: [UInt8]
    public let tag: [UInt8]

    public init(
        keyVersion: UInt32, wrapNonce: [UInt8], wrappedKey: [UInt8], wrapTag: [UInt8],
        nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]
    ) {
        precondition(wrapNonce.count == Self.nonceLength && nonce.count == Self.nonceLength)
        precondition(wrappedKey.count == Self.dataKeyLength)
        precondition(wrapTag.count == Self.tagLength && tag.count == Self.tagLength)
        self.keyVersion = keyVersion
        self.wrapNonce = wrapNonce
        self.wrappedKey = wrappedKey
        self.wrapTag = wrapTag
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// Parses stored bytes; nil when they are not a sealed secret of a known format.
    public init?(serialized bytes: [UInt8]) {
        guard bytes.count >= Self.minimumLength, bytes[0] == Self.formatVersion else { return nil }
        var offset = 1
        func take(_ count: Int) -> [UInt8] {
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        keyVersion = take(4).reduce(0) { $0 << 8 | UInt32($1) }
        wrapNonce = take(Self.nonceLength)
        wrappedKey = take(Self.dataKeyLength)
        wrapTag = take(Self.tagLength)
        nonce = take(Self.nonceLength)
        ciphertext = take(bytes.count - offset - Self.tagLength)
        tag = take(Self.tagLength)
    }

    /// The first five bytes: format and key version, authenticated when the data key is wrapped.
    public var versionHeader: [UInt8] {
        [Self.formatVersion, UInt8(keyVersion >> 24 & 0xff), UInt8(keyVersion >> 16 & 0xff), UInt8(keyVersion >> 8 & 0xff), UInt8(keyVersion & 0xff)]
    }

    public var serialized: [UInt8] {
        versionHeader + wrapNonce + wrappedKey + wrapTag + nonce + ciphertext + tag
    }
}
