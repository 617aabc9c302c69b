public import Foundation
import SwiftASN1
import X509

/// Reads when a PEM certificate stops being valid, for expiry warnings.
public enum CertificateExpiry {
    /// The `notAfter` of the first certificate in `pem`, or nil when it cannot be read.
    public static func notAfter(_ pem: String) -> Date? {
        guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex),
            let certificate = try? Certificate(pemEncoded: String(pem[begin.lowerBound..<end.upperBound]))
        else { return nil }
        return certificate.notValidAfter
    }
}
