import ArgumentParser
import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTLS
import Foundation

/// `credbroker init`: a working single-host setup (keyring, database, dev TLS, env file, an admin key).
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a keyring, a SQLite database, development TLS certificates and an admin API key.")

    @Option(help: "Where to create the setup.")
    var dir: String = "./data"

    func run() async throws {
        let directory = URL(fileURLWithPath: dir).standardizedFileURL.path
        let keyringPath = directory + "/keyring.json"
        let databasePath = directory + "/credbroker.sqlite"
        for existing in [keyringPath, databasePath] where FileManager.default.fileExists(atPath: existing) {
            throw CommandFailure("\(existing) already exists; refusing to overwrite a setup (choose another --dir)")
        }
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory + "/tls", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)

        try KeyringFile.write(try Keyring.generate(), to: keyringPath, overwrite: false)
        let store = try SQLiteStore(path: databasePath)

        let authority = try DevCertificateAuthority()
        let server = try authority.issueServerCertificate()
        try write(authority.certificatePEM, to: directory + "/tls/ca.pem", mode: 0o644)
        try write(server.certificatePEM, to: directory + "/tls/server.pem", mode: 0o644)
        try write(server.privateKeyPEM, to: directory + "/tls/server-key.pem", mode: 0o600)

        let environment = """
            # Written by `credbroker init`; load with: set -a; . \(directory)/credbroker.env; set +a
            CREDBROKER_LISTEN=127.0.0.1:8443
            CREDBROKER_PUBLIC_URL=https://localhost:8443
            CREDBROKER_DATABASE=\(databasePath)
            CREDBROKER_KEYRING=\(keyringPath)
            CREDBROKER_TLS_CERT=\(directory)/tls/server.pem
            CREDBROKER_TLS_KEY=\(directory)/tls/server-key.pem
            CREDBROKER_AUDIT_LOG=\(directory)/audit.log

            """
        try write(environment, to: directory + "/credbroker.env", mode: 0o600)

        let (key, hash) = try APIKey.generate()
        try await store.add(Client(name: "admin", roles: [.admin], patterns: [.everything], mtlsIdentity: nil, apiKeyHash: hash, createdAt: Date()))
        print("""
            Created a single-host setup in \(directory):
              keyring.json        key-encryption keys (mode 0600; back it up, keep it secret)
              credbroker.sqlite   integrations and clients (secrets only sealed)
              tls/                development CA (ca.pem) and server certificate for localhost
              credbroker.env      the settings `serve` needs
            Start the broker:  set -a; . \(directory)/credbroker.env; set +a; credbroker serve
            Trust the dev CA:  curl --cacert \(directory)/tls/ca.pem https://localhost:8443/healthz
            The API key of client 'admin' (role admin) follows; it is shown only this once:
            \(key.revealUTF8())
            """)
    }

    private func write(_ text: String, to path: String, mode: mode_t) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CommandFailure("cannot write \(path)")
        }
    }
}

/// A failure the command explains in one line.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
