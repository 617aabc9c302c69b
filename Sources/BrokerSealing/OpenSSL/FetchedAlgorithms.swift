internal import CredbrokerOpenSSL

/// The algorithm objects the broker uses, fetched from OpenSSL's default provider once per process.
/// `EVP_sha256()` and `EVP_aes_256_gcm()` make OpenSSL 3 look the implementation up again on every
/// digest and cipher init (an implicit fetch: a property query under locks), which cost more than
/// hashing an API key or wrapping a data key. Never freed: they live as long as the process.
enum FetchedAlgorithms {
    /// An OpenSSL object shared read-only by every thread (OpenSSL documents fetched objects as such).
    struct Shared: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    static let sha256: Shared = {
        guard let md = EVP_MD_fetch(nil, "SHA2-256", nil) else { preconditionFailure("OpenSSL's default provider has no SHA2-256") }
        return Shared(pointer: md)
    }()

    static let aes256GCM: Shared = {
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else { preconditionFailure("OpenSSL's default provider has no AES-256-GCM") }
        return Shared(pointer: cipher)
    }()
}
