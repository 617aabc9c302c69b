import BrokerServer
import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns

/// A broker wired to the Google stand-in (discovery, the platform's OAuth client, the Calendar API)
/// on a port fixed before start, so its redirect URI is registered with the stand-in.
struct GoogleHarness {
    static let portal = "https://portal.example"

    let standIns: StandInSet
    let fixture: BrokerFixture
    let standInCA: String
    let port: Int

    init(configure: @escaping (inout BrokerConfiguration) -> Void = { _ in }) async throws {
        let pki = try DevCertificateAuthority(commonName: "stand-in CA")
        let standIns = try await StandInSet(authority: pki)
        let port = try FreePort.find()
        let google = standIns.google
        google.register(redirectURI: "https://127.0.0.1:\(port)/oauth/google/callback")
        self.standIns = standIns
        self.port = port
        standInCA = pki.certificatePEM
        fixture = try await BrokerFixture { configuration, directory in
            configuration.listenPort = port
            configuration.publicURL = "https://127.0.0.1:\(port)"
            configuration.upstreamCAPath = try directory.write(pki.certificatePEM, to: "standin-ca.pem")
            configuration.googleIssuer = google.issuer
            configuration.googleAPI = google.issuer
            configuration.googleClientID = StandInSet.googleClientID
            configuration.googleClientSecretFile = try directory.write(StandInSet.googleClientSecret + "\n", to: "google-secret")
            configuration.returnToOrigins = [Self.portal, google.issuer]
            configure(&configuration)
        }
    }

    /// A Link G Suite integration: `expected_account` rooms@corp.example unless told otherwise.
    static func oauthIntegration(_ name: String, expectedAccount: String? = "rooms@corp.example", allowedDomain: String? = nil) -> [String: Any] {
        var settings: [String: Any] = ["auth": "oauth", "scopes": [StandInSet.googleCalendarScope]]
        if let expectedAccount { settings["expected_account"] = expectedAccount }
        if let allowedDomain { settings["allowed_domain"] = allowedDomain }
        return ["name": name, "kind": "google", "settings": settings]
    }
}

extension SimulatedBrowser {
    init(session: BrokerSession, harness: GoogleHarness) throws {
        try self.init(broker: session.http, googleBase: harness.standIns.google.issuer, standInCA: harness.standInCA)
    }
}
