public import BrokerCore
internal import CredbrokerOpenSSL

/// AES-256-GCM over OpenSSL's EVP interface: 32-byte key, 12-byte nonce, 16-byte tag.
public enum AESGCM {
    public static let keyLength = 32
    public static let nonceLength = 12
    public static let tagLength = 16

    /// Encrypts `plaintext`, authenticating `aad` with it; returns the ciphertext (same length) and the tag.
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, nonce: [UInt8], aad: [UInt8]
    ) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        try AESGCMCipher(key: key, direction: .seal).seal(plaintext, nonce: nonce, aad: aad)
    }

    /// Decrypts and authenticates; nil when the tag does not verify (tampered, wrong key, wrong AAD).
    /// On nil no plaintext is returned, and what was produced has been zeroed.
    public static func open(
        _ ciphertext: [UInt8], key: UnsafeRawBufferPointer, nonce: [UInt8], tag: [UInt8], aad: [UInt8]
    ) throws -> SecretValue? {
        try AESGCMCipher(key: key, direction: .open).open(ciphertext, nonce: nonce, tag: tag, aad: aad)
    }
}

/// AES-256-GCM under one key for one message or many: the key schedule is set up once, and each
/// message sets only its nonce. A rewrap wraps thousands of data keys under the same key-encryption
/// key, where setting the key up again for each was a large share of the work. Used by one thread
/// at a time; freeing it clears the key schedule.
public final class AESGCMCipher {
    /// What the cipher was set up for (OpenSSL keeps the two apart).
    public enum Direction: Sendable {
        case seal
        case open
    }

    public let direction: Direction
    private let context: CipherContext

    public init(key: UnsafeRawBufferPointer, direction: Direction) throws {
        precondition(key.count == AESGCM.keyLength)
        self.direction = direction
        context = try CipherContext()
        let initialise = direction == .seal ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        guard initialise(context.pointer, FetchedAlgorithms.aes256GCM.pointer, nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(AESGCM.nonceLength), nil) == 1,
            initialise(context.pointer, nil, nil, key.bindMemory(to: UInt8.self).baseAddress, nil) == 1
        else { throw OpenSSLError.drain("AES-GCM key setup") }
    }

    /// Encrypts one message under this key and `nonce` (never reuse a nonce with the same key).
    public func seal(_ plaintext: UnsafeRawBufferPointer, nonce: [UInt8], aad: [UInt8]) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        precondition(direction == .seal && nonce.count == AESGCM.nonceLength)
        guard EVP_EncryptInit_ex(context.pointer, nil, nil, nil, nonce) == 1 else { throw OpenSSLError.drain("AES-GCM encrypt init") }
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_EncryptUpdate(context.pointer, nil, &length, aad, Int32(aad.count)) == 1 else {
                throw OpenSSLError.drain("AES-GCM encrypt AAD")
            }
        }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        if plaintext.count > 0 {
            let ok = ciphertext.withUnsafeMutableBufferPointer { output in
                EVP_EncryptUpdate(context.pointer, output.baseAddress, &length, plaintext.bindMemory(to: UInt8.self).baseAddress, Int32(plaintext.count))
            }
            guard ok == 1 else { throw OpenSSLError.drain("AES-GCM encrypt") }
        }
        var finalBytes = [UInt8](repeating: 0, count: 16)
        var tag = [UInt8](repeating: 0, count: AESGCM.tagLength)
        guard EVP_EncryptFinal_ex(context.pointer, &finalBytes, &length) == 1,
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(AESGCM.tagLength), &tag) == 1
        else { throw OpenSSLError.drain("AES-GCM encrypt final") }
        return (ciphertext, tag)
    }

    /// Decrypts and authenticates one message; nil when the tag does not verify. On nil no
    /// plaintext is returned, and what was produced has been zeroed.
    public func open(_ ciphertext: [UInt8], nonce: [UInt8], tag: [UInt8], aad: [UInt8]) throws -> SecretValue? {
        precondition(direction == .open)
        guard nonce.count == AESGCM.nonceLength, tag.count == AESGCM.tagLength else { return nil }
        guard EVP_DecryptInit_ex(context.pointer, nil, nil, nil, nonce) == 1 else { throw OpenSSLError.drain("AES-GCM decrypt init") }
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_DecryptUpdate(context.pointer, nil, &length, aad, Int32(aad.count)) == 1 else {
                throw OpenSSLError.drain("AES-GCM decrypt AAD")
            }
        }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
        defer { plaintext.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        if !ciphertext.isEmpty {
            let ok = plaintext.withUnsafeMutableBufferPointer { output in
                EVP_DecryptUpdate(context.pointer, output.baseAddress, &length, ciphertext, Int32(ciphertext.count))
            }
            guard ok == 1 else { throw OpenSSLError.drain("AES-GCM decrypt") }
        }
        var expectedTag = tag
        guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(AESGCM.tagLength), &expectedTag) == 1 else {
            throw OpenSSLError.drain("AES-GCM set tag")
        }
        var finalBytes = [UInt8](repeating: 0, count: 16)
        guard EVP_DecryptFinal_ex(context.pointer, &finalBytes, &length) == 1 else {
            // Authentication failure also leaves an entry on the error queue; clear it.
            _ = OpenSSLError.drain("AES-GCM decrypt final")
            return nil
        }
        return SecretValue(bytes: plaintext)
    }
}
