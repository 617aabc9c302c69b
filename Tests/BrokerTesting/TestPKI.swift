public import BrokerTLS
import Foundation

/// Certificates a test makes for itself: a server CA with a loopback server certificate, a client CA
/// with client certificates, and an unrelated CA whose certificates the broker must refuse.
public struct TestPKI: Sendable {
    public let serverCA: DevCertificateAuthority
    public let clientCA: DevCertificateAuthority
    public let untrustedCA: DevCertificateAuthority
    public let serverCertificatePath: String
    public let serverKeyPath: String
    public let serverCAPath: String
    public let clientCAPath: String
    private let directory: TemporaryDirectory

    public init(in directory: TemporaryDirectory) throws {
        self.directory = directory
        serverCA = try DevCertificateAuthority(commonName: "test server CA")
        clientCA = try DevCertificateAuthority(commonName: "test client CA")
        untrustedCA = try DevCertificateAuthority(commonName: "untrusted CA")
        let server = try serverCA.issueServerCertificate()
        serverCertificatePath = try directory.write(server.certificatePEM, to: "server.pem")
        serverKeyPath = try directory.write(server.privateKeyPEM, to: "server-key.pem")
        serverCAPath = try directory.write(serverCA.certificatePEM, to: "server-ca.pem")
        clientCAPath = try directory.write(clientCA.certificatePEM, to: "client-ca.pem")
    }
}
