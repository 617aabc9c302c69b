public import BrokerCore
import Crypto
import Foundation

/// `Credbroker-Signature: t=UNIX,v1=HEX`, HEX = HMAC-SHA256 with the webhook secret over `t + "." + body`.
public enum WebhookSignature {
    public static let header = "Credbroker-Signature"

    public static func sign(body: [UInt8], secret: SecretValue, timestamp: Int) -> String {
        let key = SymmetricKey(data: secret.revealBytes())
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: key)
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// True when `header` signs `body` with `secret` and is no older than `tolerance` seconds.
    public static func verify(header: String, body: [UInt8], secret: SecretValue, now: Int, tolerance: Int = 300) -> Bool {
        var timestamp: Int?
        var signature: String?
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1" { signature = pair[1] }
        }
        guard let timestamp, let signature, abs(now - timestamp) <= tolerance else { return false }
        let expected = sign(body: body, secret: secret, timestamp: timestamp)
        return SecretValue(expected).constantTimeEquals(SecretValue("t=\(timestamp),v1=\(signature)"))
    }
}
