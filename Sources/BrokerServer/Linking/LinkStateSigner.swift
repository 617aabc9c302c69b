import BrokerCore
import BrokerSealing
import Crypto
import Foundation

/// The signed, single-use `state` of a link flow and what derives from it. `state` is
/// `{key version}.{nonce}.{mac}`: a MAC under a key derived from that keyring version, so a forged
/// or altered state is refused before any lookup, and any replica with the keyring can check it.
/// The PKCE verifier is derived from the same nonce, so it is never stored and never leaves the broker.
struct LinkStateSigner: Sendable {
    let keyring: KeyringHolder

    /// A fresh state for one flow.
    func makeState() throws -> String {
        let kek = keyring.keyring.active
        let nonce = Base64URL.encode(try SecureRandom.bytes(32))
        return "\(kek.version).\(nonce).\(mac("state", nonce, kek))"
    }

    /// The nonce of a state this broker signed; nil for anything else.
    func verify(_ state: String) -> String? {
        let parts = state.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let version = UInt32(parts[0]), parts[1].count == 43,
            let kek = key(version: version)
        else { return nil }
        let expected = mac("state", parts[1], kek)
        guard Digest.constantTimeEqual(Array(expected.utf8), Array(parts[2].utf8)) else { return nil }
        return parts[1]
    }

    /// The PKCE `code_verifier` of a state (43 base64url characters, RFC 7636 §4.1).
    func codeVerifier(for state: String) -> String? {
        let parts = state.split(separator: ".").map(String.init)
        guard parts.count == 3, let version = UInt32(parts[0]), let kek = key(version: version) else { return nil }
        return mac("pkce", parts[1], kek)
    }

    static func codeChallenge(for verifier: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8))))
    }

    private func key(version: UInt32) -> KeyEncryptionKey? {
        if let key = keyring.keyring.keys[version] { return key }
        // A replica that has not reloaded yet after a rotation: read the keyring once more.
        return (try? keyring.reload())?.keys[version]
    }

    private func mac(_ purpose: String, _ nonce: String, _ kek: KeyEncryptionKey) -> String {
        let derived = kek.material.withUnsafeBytes { material in
            HMAC<SHA256>.authenticationCode(for: Data("credbroker link-state v1".utf8), using: SymmetricKey(data: material))
        }
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(purpose)|\(nonce)".utf8), using: SymmetricKey(data: Data(derived)))
        return Base64URL.encode(Array(code))
    }
}
