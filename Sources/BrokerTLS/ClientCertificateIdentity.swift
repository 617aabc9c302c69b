import SwiftASN1
import X509

/// The identity a TLS client certificate proves: its first URI SAN (`spiffe://corp/calendar-sync`),
/// or else its subject common name.
public enum ClientCertificateIdentity {
    public static func identity(fromDER der: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        if let names = try? certificate.extensions.subjectAlternativeNames {
            for name in names {
                if case .uniformResourceIdentifier(let uri) = name { return uri }
            }
        }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let commonName = String(attribute.value) { return commonName }
            }
        }
        return nil
    }
}
