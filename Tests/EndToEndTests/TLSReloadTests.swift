import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import Testing

@Suite(.serialized) struct TLSReloadTests {
    /// The issuer of the certificate a fresh TLS connection is served, read with the openssl CLI.
    static func servedIssuer(_ address: String) throws -> String {
        let port = address.split(separator: ":").last.map(String.init) ?? ""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -issuer"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }

    /// SIGHUP makes `serve` present a renewed certificate to new connections while an open keep-alive
    /// connection keeps working; a broken renewal is refused and the certificate in use stays.
    @Test func sighupSwapsTheServedCertificate() async throws {
        let served = try await ServedSetup()
        let (server, address) = try await served.serve()
        let client = try TestHTTPClient(baseURL: address, trustingCAPEM: served.caPEM)
        #expect(try await client.request(.GET, "/healthz").status == 200)
        let before = try Self.servedIssuer(address)
        #expect(before.contains("credbroker"), "\(before)")

        let renewed = try DevCertificateAuthority(commonName: "renewed test CA").issueServerCertificate()
        try renewed.certificatePEM.write(toFile: served.path + "/tls/server.pem", atomically: true, encoding: .utf8)
        try renewed.privateKeyPEM.write(toFile: served.path + "/tls/server-key.pem", atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        let reloaded = try await server.waitForStderr(timeout: .seconds(10)) { $0.contains("TLS certificate reloaded") ? $0 : nil }
        #expect(reloaded != nil, "\(server.stderr)")
        #expect(try Self.servedIssuer(address).contains("renewed test CA"))
        #expect(try await client.request(.GET, "/healthz").status == 200, "the open connection was not dropped")

        // A key that is not PEM: refused, and the renewed certificate keeps being served.
        try "not a key".write(toFile: served.path + "/tls/server-key.pem", atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        let failed = try await server.waitForStderr(timeout: .seconds(10)) { $0.contains("TLS certificate reload failed") ? $0 : nil }
        #expect(failed != nil)
        #expect(try Self.servedIssuer(address).contains("renewed test CA"))
        try await client.shutdown()
        await server.stop()
    }
}
