public import BrokerTLS
import Foundation
public import StandIns

extension StandInSet {
    /// The certificate registered for `certificateApp`, and its private key.
    public static let appCertificate: DevCertificateAuthority.Issued = try! SelfSignedRSACertificate.make(commonName: "credbroker app")
    /// A certificate nobody registered.
    public static let strayCertificate: DevCertificateAuthority.Issued = try! SelfSignedRSACertificate.make(commonName: "stray")

    /// The stand-ins over HTTPS with a server certificate from `authority`.
    public init(authority: DevCertificateAuthority) async throws {
        let issued = try authority.issueServerCertificate()
        try await self.init(
            tls: try StandInServer.tls(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM),
            appCertificatePEM: Self.appCertificate.certificatePEM)
    }
}
