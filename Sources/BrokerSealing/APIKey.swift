public import BrokerCore
import Foundation

/// API keys for clients: 32 random bytes, shown once as `cbk_<base64url>`, stored only as a SHA-256 hash.
public enum APIKey {
    public static let prefix = "cbk_"

    /// A new key and the hash to store for it.
    public static func generate() throws -> (key: SecretValue, hash: String) {
        let random = try SecureRandom.bytes(32)
        let key = SecretValue(prefix + Base64URL.encode(random))
        return (key, hash(key))
    }

    /// SHA-256 of the key, hex. Keys are 256-bit random, so a fast hash is enough: nothing to brute-force.
    public static func hash(_ key: SecretValue) -> String {
        Digest.sha256Hex(key.revealBytes())
    }
}
