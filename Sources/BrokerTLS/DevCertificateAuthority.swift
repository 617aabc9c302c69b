public import Foundation
import Crypto
import CryptoExtras
import SwiftASN1
import X509

/// A throwaway certificate authority for development and tests: a CA that issues server
/// certificates for loopback and client certificates carrying an mTLS identity.
public struct DevCertificateAuthority: Sendable {
    /// A certificate and its private key, both PEM.
    public struct Issued: Sendable {
        public let certificatePEM: String
        public let privateKeyPEM: String
    }

    public let certificatePEM: String
    private let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// Creates a CA valid for `validity` seconds from now.
    public init(commonName: String = "credbroker development CA", validity: TimeInterval = 365 * 24 * 3600) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        self.key = key
        self.certificate = certificate
        self.certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// A server certificate for `dnsNames` and `ipAddresses` (loopback by default).
    public func issueServerCertificate(
        commonName: String = "localhost", dnsNames: [String] = ["localhost"], ipAddresses: [String] = ["127.0.0.1", "::1"],
        validity: TimeInterval = 365 * 24 * 3600
    ) throws -> Issued {
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            if let bytes = Self.ipBytes(address) { names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...]))) }
        }
        let subjectAlternativeNames = SubjectAlternativeNames(names)
        return try issue(commonName: commonName, validity: validity) {
            subjectAlternativeNames
            try ExtendedKeyUsage([.serverAuth])
        }
    }

    /// A client certificate whose identity is `uri` (a URI SAN such as `spiffe://corp/calendar-sync`)
    /// or, without one, its subject common name.
    public func issueClientCertificate(commonName: String, uri: String? = nil, validity: TimeInterval = 365 * 24 * 3600) throws -> Issued {
        let subjectAlternativeNames = uri.map { SubjectAlternativeNames([.uniformResourceIdentifier($0)]) }
        return try issue(commonName: commonName, validity: validity) {
            if let subjectAlternativeNames { subjectAlternativeNames }
            try ExtendedKeyUsage([.clientAuth])
        }
    }

    private func issue(commonName: String, validity: TimeInterval, @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>) throws -> Issued {
        let leafKey = P256.Signing.PrivateKey()
        let now = Date()
        var allExtensions = try extensions().get()
        try allExtensions.append(Critical(BasicConstraints.notCertificateAuthority).makeCertificateExtension())
        try allExtensions.append(Critical(KeyUsage(digitalSignature: true, keyEncipherment: true)).makeCertificateExtension())
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: certificate.subject, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: allExtensions, issuerPrivateKey: .init(key))
        return Issued(certificatePEM: try leaf.serializeAsPEM().pemString, privateKeyPEM: leafKey.pemRepresentation)
    }

    private static func ipBytes(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// A self-signed RSA certificate with its key, as an Entra ID app registration holds for
/// certificate sign-in (tests and the demo).
public enum SelfSignedRSACertificate {
    public static func make(commonName: String, validity: TimeInterval = 365 * 24 * 3600) throws -> DevCertificateAuthority.Issued {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: Certificate.Extensions(), issuerPrivateKey: .init(key))
        return DevCertificateAuthority.Issued(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
    }
}
