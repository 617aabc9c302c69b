public import BrokerCore

/// Envelope encryption of secrets: each secret gets a fresh 256-bit data key (AES-256-GCM), and that
/// data key is wrapped with AES-256-GCM under the active key-encryption key. Both layers authenticate
/// where the secret belongs (integration, field); the wrap also authenticates the key version.
/// The byte layout is in docs/sealed-format.md.
public struct EnvelopeSealer: Sendable {
    private let keyring: @Sendable () -> Keyring
    private let reloadKeyring: (@Sendable () -> Keyring?)?

    /// `keyring` is asked on every call, so a reloaded keyring takes effect at once. `reloadKeyring`,
    /// when given, is called once when a secret names a version not loaded (a replica that has not
    /// yet picked up a rotation), before that is reported as an error.
    public init(keyring: @escaping @Sendable () -> Keyring, reloadKeyring: (@Sendable () -> Keyring?)? = nil) {
        self.keyring = keyring
        self.reloadKeyring = reloadKeyring
    }

    public init(keyring: Keyring) {
        self.keyring = { keyring }
        self.reloadKeyring = nil
    }

    public func seal(_ secret: SecretValue, for context: SealingContext) throws -> SealedSecret {
        try seal(secret, for: context, under: keyring().active)
    }

    public func seal(_ secret: SecretValue, for context: SealingContext, under kek: KeyEncryptionKey) throws -> SealedSecret {
        do {
            let dataKey = try SecureRandom.secret(AESGCM.keyLength)
            let nonce = try SecureRandom.bytes(AESGCM.nonceLength)
            let (ciphertext, tag) = try secret.withUnsafeBytes { plaintext throws in
                try dataKey.withUnsafeBytes { key throws in
                    try AESGCM.seal(plaintext, key: key, nonce: nonce, aad: Self.dataAAD(context))
                }
            }
            let wrapped = try wrap(dataKey, for: context, under: kek)
            return SealedSecret(
                keyVersion: kek.version, wrapNonce: wrapped.nonce, wrappedKey: wrapped.ciphertext, wrapTag: wrapped.tag,
                nonce: nonce, ciphertext: ciphertext, tag: tag)
        } catch let error as OpenSSLError {
            throw SealingError.openssl(error)
        }
    }

    public func open(_ sealed: SealedSecret, for context: SealingContext) throws -> SecretValue {
        let dataKey = try unwrap(sealed, for: context)
        let opened: SecretValue?
        do {
            opened = try dataKey.withUnsafeBytes { key throws in
                try AESGCM.open(sealed.ciphertext, key: key, nonce: sealed.nonce, tag: sealed.tag, aad: Self.dataAAD(context))
            }
        } catch let error as OpenSSLError {
            throw SealingError.openssl(error)
        }
        guard let opened else { throw SealingError.authenticationFailed }
        return opened
    }

    /// Re-wraps the data key under the active KEK; the secret's ciphertext is unchanged.
    /// Returns nil when it is already sealed under the active version.
    public func rewrap(_ sealed: SealedSecret, for context: SealingContext) throws -> SealedSecret? {
        try rewrap([(sealed, context)])[0]
    }

    /// Re-wraps many data keys under the active KEK (nil for those already under it). Each KEK's
    /// cipher is set up once for the whole batch rather than once per secret.
    public func rewrap(_ batch: [(sealed: SealedSecret, context: SealingContext)]) throws -> [SealedSecret?] {
        let current = keyring()
        let target = current.active.version
        var ciphers: [UInt32: AESGCMCipher] = [:]
        var sealing: AESGCMCipher?
        return try batch.map { sealed, context in
            guard sealed.keyVersion != target else { return nil }
            let opening = try ciphers[sealed.keyVersion] ?? cipher(for: sealed.keyVersion, in: current, direction: .open)
            ciphers[sealed.keyVersion] = opening
            let wrapping = try sealing ?? cipher(for: target, in: current, direction: .seal)
            sealing = wrapping
            let dataKey = try unwrap(sealed, for: context, with: opening)
            let wrapped = try wrap(dataKey, for: context, keyVersion: target, with: wrapping)
            return SealedSecret(rewrapping: sealed, keyVersion: target, wrapNonce: wrapped.nonce, wrappedKey: wrapped.ciphertext, wrapTag: wrapped.tag)
        }
    }

    /// A cipher under the KEK of `version`, from `keyring` or, once, a reloaded keyring.
    private func cipher(for version: UInt32, in keyring: Keyring, direction: AESGCMCipher.Direction) throws -> AESGCMCipher {
        guard let kek = keyring.keys[version] ?? reloadKeyring?()?.keys[version] else {
            throw SealingError.keyVersionUnavailable(version)
        }
        do {
            return try kek.material.withUnsafeBytes { try AESGCMCipher(key: $0, direction: direction) }
        } catch let error as OpenSSLError {
            throw SealingError.openssl(error)
        }
    }

    private func wrap(_ dataKey: SecretValue, for context: SealingContext, under kek: KeyEncryptionKey) throws -> (nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        let cipher = try kek.material.withUnsafeBytes { try AESGCMCipher(key: $0, direction: .seal) }
        return try wrap(dataKey, for: context, keyVersion: kek.version, with: cipher)
    }

    private func wrap(_ dataKey: SecretValue, for context: SealingContext, keyVersion: UInt32, with cipher: AESGCMCipher) throws -> (nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        do {
            let nonce = try SecureRandom.bytes(AESGCM.nonceLength)
            let (ciphertext, tag) = try dataKey.withUnsafeBytes { plaintext throws in
                try cipher.seal(plaintext, nonce: nonce, aad: Self.wrapAAD(context, keyVersion: keyVersion))
            }
            return (nonce, ciphertext, tag)
        } catch let error as OpenSSLError {
            throw SealingError.openssl(error)
        }
    }

    private func unwrap(_ sealed: SealedSecret, for context: SealingContext) throws -> SecretValue {
        try unwrap(sealed, for: context, with: cipher(for: sealed.keyVersion, in: keyring(), direction: .open))
    }

    private func unwrap(_ sealed: SealedSecret, for context: SealingContext, with cipher: AESGCMCipher) throws -> SecretValue {
        let dataKey: SecretValue?
        do {
            dataKey = try cipher.open(sealed.wrappedKey, nonce: sealed.wrapNonce, tag: sealed.wrapTag, aad: Self.wrapAAD(context, keyVersion: sealed.keyVersion))
        } catch let error as OpenSSLError {
            throw SealingError.openssl(error)
        }
        guard let dataKey, dataKey.count == AESGCM.keyLength else { throw SealingError.authenticationFailed }
        return dataKey
    }

    /// `"credbroker/wrap/v1" 0x00 format(1) keyVersion(4, BE) name 0x00 field` — binds the wrapped data key
    /// to its key version and its place.
    static func wrapAAD(_ context: SealingContext, keyVersion: UInt32) -> [UInt8] {
        Array("credbroker/wrap/v1".utf8) + [0, SealedSecret.formatVersion]
            + [UInt8(keyVersion >> 24 & 0xff), UInt8(keyVersion >> 16 & 0xff), UInt8(keyVersion >> 8 & 0xff), UInt8(keyVersion & 0xff)]
            + Array(context.integration.rawValue.utf8) + [0] + Array(context.field.rawValue.utf8)
    }

    /// `"credbroker/data/v1" 0x00 format(1) name 0x00 field` — binds the secret to its place; without the
    /// key version, so a rewrap leaves the ciphertext as it is.
    static func dataAAD(_ context: SealingContext) -> [UInt8] {
        Array("credbroker/data/v1".utf8) + [0, SealedSecret.formatVersion]
            + Array(context.integration.rawValue.utf8) + [0] + Array(context.field.rawValue.utf8)
    }
}
