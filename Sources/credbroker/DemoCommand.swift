import ArgumentParser
import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import BrokerTLS
import Foundation
import Hummingbird
import Logging
import StandIns

/// `credbroker demo`: the broker plus local stand-ins for Microsoft, Google, an FMIS and Exchange on
/// loopback, seeded integrations, and a printed tour. Everything lives in a temporary folder removed on exit.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the broker with local stand-ins for the providers, seeded integrations, and a tour.")

    @Option(help: "Port for the broker on 127.0.0.1 (0: any free port).") var port: Int = 8443

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credbroker-demo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let authority = try DevCertificateAuthority(commonName: "credbroker demo CA")
        let server = try authority.issueServerCertificate()
        func write(_ text: String, _ name: String) throws -> String {
            let path = directory + "/" + name
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("cannot write \(path)")
            }
            return path
        }
        var configuration = BrokerConfiguration()
        configuration.listenHost = "127.0.0.1"
        // Link G Suite needs the redirect URI (so the port) before the broker starts.
        configuration.listenPort = port == 0 ? try FreePort.find() : port
        configuration.publicURL = "https://127.0.0.1:\(configuration.listenPort)"
        configuration.tlsCertificatePath = try write(server.certificatePEM, "server.pem")
        configuration.tlsKeyPath = try write(server.privateKeyPEM, "server-key.pem")
        configuration.upstreamCAPath = try write(authority.certificatePEM, "ca.pem")
        configuration.database = directory + "/credbroker.sqlite"
        configuration.keyringPath = directory + "/keyring.json"
        configuration.auditLog = directory + "/audit.log"
        configuration.logLevel = "warning"
        let keyring = try Keyring.generate()
        try KeyringFile.write(keyring, to: configuration.keyringPath, overwrite: false)

        let appCertificate = try SelfSignedRSACertificate.make(commonName: "credbroker demo app")
        let standIns = try await StandInSet(
            tls: try StandInServer.tls(certificatePEM: server.certificatePEM, privateKeyPEM: server.privateKeyPEM),
            appCertificatePEM: appCertificate.certificatePEM)
        configuration.microsoftAuthority = standIns.microsoft.authority
        configuration.microsoftGraph = standIns.microsoft.graph
        configuration.googleIssuer = standIns.google.issuer
        configuration.googleAPI = standIns.google.issuer
        configuration.googleClientID = StandInSet.googleClientID
        configuration.googleClientSecretFile = try write(StandInSet.googleClientSecret, "google-client-secret")
        standIns.google.register(redirectURI: configuration.publicURL + "/oauth/google/callback")

        let store = try SQLiteStore(path: configuration.database)
        var keys: [String: String] = [:]
        for (name, role) in [("admin", Role.admin), ("consumer", Role.consumer), ("ops", Role.ops)] {
            let (key, hash) = try APIKey.generate()
            keys[name] = key.revealUTF8()
            try await store.add(Client(name: name, roles: [role], patterns: [.everything], mtlsIdentity: nil, apiKeyHash: hash, createdAt: Date()))
        }
        try await Self.seed(store: store, sealer: EnvelopeSealer(keyring: keyring), standIns: standIns, appCertificate: appCertificate)
        let getFolder = try write(Self.getFolderRequest, "getfolder.xml")
        let clientKeys = keys

        var logger = BrokerLogging.logger(configuration)
        logger.logLevel = .warning
        let app = try await buildApplication(configuration: configuration, logger: logger) { [configuration] _ in
            let address = configuration.publicURL
            Terminal.line(Self.tour(address: address, directory: directory, keys: clientKeys, getFolder: getFolder))
        }
        // The stand-ins end with the process: stopping them gracefully would wait on the broker's idle
        // keep-alive connections to them.
        try await app.runService()
        withExtendedLifetime(standIns) {}
        try? FileManager.default.removeItem(atPath: directory)
        Terminal.line("credbroker demo stopped; removed \(directory).")
    }

    /// One integration of each kind that works, and one that shows a remedy.
    static func seed(store: SQLiteStore, sealer: EnvelopeSealer, standIns: StandInSet, appCertificate: DevCertificateAuthority.Issued) async throws {
        let bodies: [[String: Any]] = [
            ["name": "hq-rooms", "kind": "office365", "display_name": "Head office rooms (Office 365, service account)",
             "settings": ["account": "rooms@corp.example", "client_id": StandInSet.publicApp], "secrets": ["password": StandInSet.password]],
            ["name": "hq-app", "kind": "office365", "display_name": "Head office (Office 365, app-only certificate)",
             "settings": ["tenant": StandInSet.tenant, "client_id": StandInSet.certificateApp, "auth": "certificate", "certificate": appCertificate.certificatePEM],
             "secrets": ["private_key": appCertificate.privateKeyPEM]],
            ["name": "branch-locked", "kind": "office365", "display_name": "Branch office (a locked service account)",
             "settings": ["account": "locked@corp.example", "client_id": StandInSet.publicApp], "secrets": ["password": StandInSet.password]],
            ["name": "onprem", "kind": "exchange", "display_name": "On-premises Exchange (NTLM)",
             "settings": ["ews_url": standIns.ews.ewsURL, "account": "rooms@corp.example", "username": "CORP\\rooms"], "secrets": ["password": StandInSet.password]],
            ["name": "fmis", "kind": "oauth2", "display_name": "Facility management (client credentials)",
             "settings": ["token_url": standIns.oauth2.tokenURL, "client_id": "broker", "scopes": ["rooms.read", "rooms.write"]],
             "secrets": ["client_secret": StandInSet.appSecret]],
            ["name": "gsuite", "kind": "google", "display_name": "Google Workspace (Link G Suite)", "settings": ["expected_account": "rooms@corp.example"]],
            ["name": "gsuite-sa", "kind": "google", "display_name": "Google Workspace (service account, domain-wide delegation)",
             "settings": ["auth": "service_account", "client_email": StandInSet.googleServiceAccount, "subject": "rooms@corp.example"],
             "secrets": ["private_key": appCertificate.privateKeyPEM]],
        ]
        for body in bodies {
            let json = try JSONDecoder().decode(JSONValue.self, from: JSONSerialization.data(withJSONObject: body))
            let draft = try IntegrationDraft.parse(json)
            let now = Date()
            var sealed: [SecretField: SealedSecret] = [:]
            for (field, value) in draft.secrets { sealed[field] = try sealer.seal(value, for: SealingContext(integration: draft.name, field: field)) }
            try await store.create(
                Integration(
                    name: draft.name, displayName: draft.displayName, settings: draft.settings,
                    secrets: sealed.mapValues { SecretMetadata(updatedAt: now, keyVersion: $0.keyVersion) },
                    status: Integration.initialStatus(for: draft.settings, hasRefreshToken: false), createdAt: now, updatedAt: now),
                secrets: sealed)
        }
    }

    static let getFolderRequest = """
        <?xml version="1.0" encoding="utf-8"?>
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
          <soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>
          <m:FolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>hq-101@corp.example</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds>
          </m:GetFolder></soap:Body>
        </soap:Envelope>
        """

    static func tour(address: String, directory: String, keys: [String: String], getFolder: String) -> String {
        """
        credbroker demo is running at \(address), with stand-ins for Microsoft, Google, an FMIS and Exchange on loopback.
        Its data lives in \(directory) and is removed when the demo stops (Ctrl-C).

        export CB=\(address) CA=\(directory)/ca.pem ADMIN=\(keys["admin"]!) CONSUMER=\(keys["consumer"]!) OPS=\(keys["ops"]!)

        # The integrations (settings and health, never a secret):
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" $CB/v1/integrations
        # "Verify with ...": one that works, and a locked service account with what to do about it:
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" -X POST $CB/v1/integrations/hq-rooms/verify
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" -X POST $CB/v1/integrations/branch-locked/verify
        # With room checks (Graph), and against on-premises Exchange over NTLM:
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"rooms":["hq-101@corp.example","boardroom@corp.example"]}' $CB/v1/integrations/hq-rooms/verify
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" -X POST $CB/v1/integrations/onprem/verify
        # Tokens for platform services (cached; one upstream call however many ask):
        curl --cacert $CA -H "Authorization: Bearer $CONSUMER" -X POST $CB/v1/integrations/fmis/token
        curl --cacert $CA -H "Authorization: Bearer $CONSUMER" -X POST $CB/v1/integrations/hq-app/token
        # Link G Suite: ask for a link, open its link_url in a browser (accept the demo certificate twice:
        # broker and Google stand-in), choose rooms@corp.example and Allow; then Google tokens flow:
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" -X POST $CB/v1/integrations/gsuite/link
        curl --cacert $CA -H "Authorization: Bearer $CONSUMER" -X POST $CB/v1/integrations/gsuite/token
        # A Google service account with domain-wide delegation, and a room check on Google Calendar:
        curl --cacert $CA -H "Authorization: Bearer $CONSUMER" -X POST $CB/v1/integrations/gsuite-sa/token
        curl --cacert $CA -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"rooms":["hq-101@resource.calendar.google.com"]}' $CB/v1/integrations/gsuite-sa/verify
        # EWS through the broker, which adds the credentials:
        curl --cacert $CA -H "Authorization: Bearer $CONSUMER" -H 'Content-Type: text/xml' --data-binary @\(getFolder) $CB/v1/integrations/onprem/ews
        # Keys, and the audit trail:
        curl --cacert $CA -H "Authorization: Bearer $OPS" $CB/v1/keys
        tail -f \(directory)/audit.log
        """
    }
}
