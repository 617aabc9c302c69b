public import BrokerCore
internal import CredbrokerOpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw OpenSSLError.drain("RAND_bytes") }
        return bytes
    }

    /// Random bytes for long-lived secret material (keys), from OpenSSL's private DRBG.
    public static func secret(_ count: Int) throws -> SecretValue {
        var bytes = [UInt8](repeating: 0, count: count)
        defer { bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        guard RAND_priv_bytes(&bytes, Int32(count)) == 1 else { throw OpenSSLError.drain("RAND_priv_bytes") }
        return SecretValue(bytes: bytes)
    }
}
