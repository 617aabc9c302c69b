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

/// A browser reduced to what the link flow needs: it follows the broker's redirect to Google, submits
/// the consent form as a person would, and keeps (or loses) the broker's cookie.
struct SimulatedBrowser {
    let broker: TestHTTPClient
    let google: TestHTTPClient
    let googleBase: String
    var cookies: [String: String] = [:]

    init(session: BrokerSession, harness: GoogleHarness) throws {
        broker = session.http
        googleBase = harness.standIns.google.issuer
        google = try TestHTTPClient(baseURL: googleBase, trustingCAPEM: harness.standInCA)
    }

    /// Opens the link; returns the broker's answer (a 302 to Google, or a page).
    mutating func open(_ linkURL: String) async throws -> TestHTTPClient.Reply {
        let reply = try await broker.request(.GET, Self.pathAndQuery(linkURL))
        for header in reply.headers["Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
        }
        return reply
    }

    /// Submits the consent page for `account`, granting `scopes` (all requested when nil) or denying.
    func consent(_ authorizationURL: String, account: String, scopes: [String]? = nil, allow: Bool = true) async throws -> String {
        let query = URLComponents(string: authorizationURL)!.queryItems ?? []
        func value(_ name: String) -> String { query.first { $0.name == name }?.value ?? "" }
        let page = try await google.request(.GET, Self.pathAndQuery(authorizationURL))
        precondition(page.status == 200, page.text)
        var fields: [(String, String)] = [("redirect_uri", value("redirect_uri")), ("state", value("state")), ("code_challenge", value("code_challenge")), ("access_type", value("access_type")), ("account", account)]
        for scope in scopes ?? value("scope").split(separator: " ").map(String.init) { fields.append(("scope", scope)) }
        fields.append(("decision", allow ? "allow" : "deny"))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let reply = try await google.request(.POST, "/o/oauth2/v2/approve", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        precondition(reply.status == 302, reply.text)
        return reply.headers["Location"].first!
    }

    /// Follows Google's redirect back to the broker, with the cookies this browser holds.
    func callback(_ url: String, sendCookies: Bool = true) async throws -> TestHTTPClient.Reply {
        var headers: [(String, String)] = []
        if sendCookies, !cookies.isEmpty { headers.append(("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))) }
        return try await broker.request(.GET, Self.pathAndQuery(url), headers: headers)
    }

    static func pathAndQuery(_ url: String) -> String {
        let components = URLComponents(string: url)!
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    func shutdown() async throws { try await google.shutdown() }
}
