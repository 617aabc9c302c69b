import BrokerServer
import BrokerTesting
import Foundation
import NIOHTTP1
import Testing

@Suite(.serialized) struct DevCertificateScriptTests {
    /// `certs/make-dev-ca.sh` makes a CA, a server certificate and client certificates the broker
    /// accepts: the server serves with them and a client certificate's URI SAN is its identity.
    @Test func scriptCertificatesWorkForTLSAndMTLS() async throws {
        let fixture = try await BrokerFixture { configuration, directory in
            let pki = directory.file("dev-pki")
            for arguments in [[pki], [pki, "client", "portal", "spiffe://corp/portal"], [pki, "client", "ops-tool"]] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [RepositoryPaths.root + "/certs/make-dev-ca.sh"] + arguments
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
            }
            configuration.tlsCertificatePath = pki + "/server.pem"
            configuration.tlsKeyPath = pki + "/server-key.pem"
            configuration.tlsClientCAPath = pki + "/ca.pem"
        }
        let pki = fixture.directory.file("dev-pki")
        #expect(try FileManager.default.attributesOfItem(atPath: pki + "/ca-key.pem")[.posixPermissions] as? Int == 0o600)
        try await fixture.run { session in
            let ca = try String(contentsOfFile: pki + "/ca.pem", encoding: .utf8)
            for (name, path, status) in [("portal", "/v1/integrations", 200), ("ops-tool", "/v1/keys", 200), ("ops-tool", "/v1/integrations", 403)] {
                let client = try TestHTTPClient(
                    baseURL: session.http.baseURL, trustingCAPEM: ca,
                    clientCertificatePEM: try String(contentsOfFile: pki + "/client-\(name).pem", encoding: .utf8),
                    clientKeyPEM: try String(contentsOfFile: pki + "/client-\(name)-key.pem", encoding: .utf8))
                #expect(try await client.request(.GET, path).status == status, "\(name) \(path)")
                try await client.shutdown()
            }
        }
    }
}
