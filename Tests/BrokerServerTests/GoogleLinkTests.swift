import BrokerServer
import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Testing

@Suite(.serialized) struct GoogleLinkTests {
    /// Creates the integration and a link; returns the link URL.
    static func link(_ session: BrokerSession, _ body: [String: Any], returnTo: String? = nil) async throws -> String {
        let created = try await session.call(.post, "/v1/integrations", body: body)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["status"] as? String == "unlinked")
        let name = body["name"] as! String
        let link = try await session.call(.post, "/v1/integrations/\(name)/link", body: returnTo.map { ["return_to": $0] })
        #expect(link.status == 201, "\(link.text)")
        #expect(link.json["expires_at"] is String)
        return try #require(link.json["link_url"] as? String)
    }

    static func query(_ url: String) -> [String: String] {
        Dictionary((URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    /// The whole flow: start asks Google for offline access with PKCE S256, consent, the account hints
    /// and a signed state, and sets a __Host- cookie; the callback stores the refresh token sealed,
    /// records the account, and the integration hands out Google tokens by the refresh grant.
    @Test func linkingStoresTheGrantAndTokensFollow() async throws {
        let harness = try await GoogleHarness()
        let google = harness.standIns.google
        try await harness.fixture.run { (session: BrokerSession) async throws in
            var browser = try SimulatedBrowser(session: session, harness: harness)
            let linkURL = try await Self.link(session, GoogleHarness.oauthIntegration("hq-google"))
            #expect(linkURL.hasPrefix("https://127.0.0.1:\(harness.port)/oauth/google/start?session="))
            let start = try await browser.open(linkURL)
            #expect(start.status == 302)
            let cookie = try #require(start.headers["Set-Cookie"].first)
            #expect(cookie.hasPrefix("__Host-credbroker-link-"))
            for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] { #expect(cookie.contains(attribute), "\(cookie)") }
            #expect(!cookie.contains("Domain="))
            let authorization = try #require(start.headers["Location"].first)
            let asked = Self.query(authorization)
            #expect(asked["access_type"] == "offline")
            #expect(asked["prompt"] == "consent")
            #expect(asked["code_challenge_method"] == "S256")
            #expect(asked["code_challenge"]?.count == 43)
            #expect(asked["login_hint"] == "rooms@corp.example")
            #expect(asked["hd"] == "corp.example")
            #expect(asked["response_type"] == "code")
            #expect(asked["scope"]?.split(separator: " ").contains("openid") == true)
            #expect(asked["redirect_uri"] == "https://127.0.0.1:\(harness.port)/oauth/google/callback")

            let back = try await browser.consent(authorization, account: "rooms@corp.example")
            let done = try await browser.callback(back)
            #expect(done.status == 200, "\(done.text)")
            #expect(done.text.contains("rooms@corp.example"))
            #expect(done.headers["Content-Security-Policy"].first?.contains("default-src 'none'") == true)
            #expect(done.headers["Set-Cookie"].first?.contains("Max-Age=0") == true, "the flow's cookie is cleared")

            let stored = try await session.call(.get, "/v1/integrations/hq-google")
            #expect(stored.json["status"] as? String == "ok")
            #expect(stored.json["linked_account"] as? String == "rooms@corp.example")
            #expect(((stored.json["secrets"] as? [String: Any])?["refresh_token"] as? [String: Any])?["set"] as? Bool == true)

            let token = try await session.call(.post, "/v1/integrations/hq-google/token", as: "consumer")
            #expect(token.status == 200, "\(token.text)")
            #expect((token.json["access_token"] as? String)?.hasPrefix("ya29.") == true)
            #expect(token.json["account"] as? String == "rooms@corp.example")
            #expect(google.control.count("/token") == 2, "one code exchange, one refresh")

            let verify = try await session.call(.post, "/v1/integrations/hq-google/verify", body: ["rooms": ["hq-101@resource.calendar.google.com", "boardroom@resource.calendar.google.com", "nope@resource.calendar.google.com"]])
            #expect(verify.json["code"] as? String == "ok", "\(verify.text)")
            #expect(verify.json["rooms"] as? [String: String] == ["hq-101@resource.calendar.google.com": "ok", "boardroom@resource.calendar.google.com": "no_access", "nope@resource.calendar.google.com": "not_found"])

            // Replaying Google's redirect (same code and state, same browser) is refused without a token call.
            let replay = try await browser.callback(back)
            #expect(replay.status == 400)
            #expect(google.control.count("/token") == 3, "the verify's refresh, no exchange for the replay")

            // The same link cannot be opened again.
            #expect(try await browser.open(linkURL).status == 410)

            let audit = harness.fixture.auditText
            #expect(audit.contains("\"event\":\"link.completed\""))
            #expect(audit.contains("\"event\":\"link.refused\""))
            // The refresh token Google issued, the client secret, the code and the state appear nowhere
            // the broker writes: log (trace level), audit trail, database files, or any API answer.
            let refreshTokens = google.issuedRefreshTokens
            #expect(!refreshTokens.isEmpty)
            let canary = SecretCanary(refreshTokens + [StandInSet.googleClientSecret, Self.query(back)["code"] ?? "", Self.query(back)["state"] ?? ""])
            var findings = canary.findings(inFiles: harness.fixture.databaseFiles + [harness.fixture.configuration.auditLog])
            findings += canary.findings(in: Array(harness.fixture.logs.text.utf8), source: "log")
            findings += canary.findings(in: session.allReplyBytes, source: "API answers")
            #expect(findings.isEmpty, "\(findings)")

            // Unlink revokes at Google and forgets the refresh token.
            let unlinked = try await session.call(.post, "/v1/integrations/hq-google/unlink")
            #expect(unlinked.status == 200, "\(unlinked.text)")
            #expect(unlinked.json["status"] as? String == "unlinked")
            #expect(unlinked.json["linked_account"] is NSNull)
            #expect(google.liveRefreshTokens(for: "rooms@corp.example") == 0)
            #expect(try await session.call(.post, "/v1/integrations/hq-google/token", as: "consumer").status == 502)
            try await browser.shutdown()
        }
        await harness.standIns.stop()
    }

    /// Each attack or refusal ends without storing anything, with the documented result code, and a
    /// grant Google did issue is revoked.
    @Test func refusedLinksStoreNothing() async throws {
        let harness = try await GoogleHarness()
        let google = harness.standIns.google
        try await harness.fixture.run { (session: BrokerSession) async throws in
            var browser = try SimulatedBrowser(session: session, harness: harness)
            let portal = GoogleHarness.portal + "/integrations"

            // A personal account where a Workspace account is expected: refused and revoked.
            var start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("personal", expectedAccount: nil, allowedDomain: "corp.example"), returnTo: portal))
            var done = try await browser.callback(try await browser.consent(start.headers["Location"].first!, account: "jane@gmail.com"))
            #expect(done.status == 303)
            let result = Self.query(done.headers["Location"].first ?? "")
            #expect(result["result"] == "error")
            #expect(result["code"] == "account_mismatch")
            #expect(result["integration"] == "personal")
            #expect(google.liveRefreshTokens(for: "jane@gmail.com") == 0, "the wrong grant is revoked")
            #expect(google.revokedRefreshTokens == 1)

            // The wrong Workspace account for expected_account: the page says who and what to do.
            start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("wrong-account")))
            done = try await browser.callback(try await browser.consent(start.headers["Location"].first!, account: "ops@partner.example"))
            #expect(done.status == 403)
            #expect(done.text.contains("ops@partner.example") && done.text.contains("rooms@corp.example") && done.text.contains("Sign out of Google"))

            // A scope unchecked on the consent page.
            start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("unchecked"), returnTo: portal))
            done = try await browser.callback(try await browser.consent(start.headers["Location"].first!, account: "rooms@corp.example", scopes: ["openid", "email"]))
            #expect(Self.query(done.headers["Location"].first ?? "")["code"] == "missing_scopes")

            // The person cancels.
            start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("denied"), returnTo: portal))
            done = try await browser.callback(try await browser.consent(start.headers["Location"].first!, account: "rooms@corp.example", allow: false))
            #expect(Self.query(done.headers["Location"].first ?? "")["code"] == "access_denied")

            // Google hands out no refresh token.
            google.behaviour.omitsRefreshToken = true
            start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("no-refresh"), returnTo: portal))
            done = try await browser.callback(try await browser.consent(start.headers["Location"].first!, account: "rooms@corp.example"))
            #expect(Self.query(done.headers["Location"].first ?? "")["code"] == "no_refresh_token")
            google.behaviour.omitsRefreshToken = false

            let exchangesSoFar = google.control.count("/token")
            // State tampered: one character changed. Never reaches Google's token endpoint.
            start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("tampered"), returnTo: portal))
            var back = try await browser.consent(start.headers["Location"].first!, account: "rooms@corp.example")
            let state = Self.query(back)["state"]!
            let flipped = String(state.dropLast()) + (state.hasSuffix("A") ? "B" : "A")
            done = try await browser.callback(back.replacingOccurrences(of: state, with: flipped))
            #expect(done.status == 400, "a state that does not check out gets the page, never return_to")
            #expect(done.text.contains("cannot be matched"))

            // The callback in a second browser (no cookie).
            done = try await browser.callback(back, sendCookies: false)
            #expect(done.status == 400)
            // Another flow's cookie does not unlock this one.
            var other = try SimulatedBrowser(session: session, harness: harness)
            _ = try await other.open(try await Self.link(session, GoogleHarness.oauthIntegration("other")))
            var stolen = browser
            stolen.cookies = other.cookies
            #expect(try await stolen.callback(back).status == 400)
            #expect(google.control.count("/token") == exchangesSoFar, "no refused callback reached the token endpoint")
            // The rightful browser can still finish it.
            done = try await browser.callback(back)
            #expect(Self.query(done.headers["Location"].first ?? "")["result"] == "linked")
            #expect(Self.query(done.headers["Location"].first ?? "")["account"] == "rooms@corp.example")

            // Expired: the session's clock ran out between start and callback.
            start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("expired"), returnTo: portal))
            back = try await browser.consent(start.headers["Location"].first!, account: "rooms@corp.example")
            try Self.expireLinkSessions(database: harness.fixture.configuration.database)
            done = try await browser.callback(back)
            #expect(Self.query(done.headers["Location"].first ?? "")["code"] == "state_expired")
            // An expired link cannot be opened either; an unknown one is a 400 page.
            let late = try await Self.link(session, GoogleHarness.oauthIntegration("late"))
            try Self.expireLinkSessions(database: harness.fixture.configuration.database)
            #expect(try await browser.open(late).status == 410)
            #expect(try await browser.open("https://127.0.0.1:\(harness.port)/oauth/google/start?session=nothing").status == 400)

            for name in ["personal", "wrong-account", "unchecked", "denied", "no-refresh", "expired"] {
                let stored = try await session.call(.get, "/v1/integrations/\(name)")
                #expect(stored.json["status"] as? String == "unlinked", "\(name)")
                #expect(((stored.json["secrets"] as? [String: Any])?["refresh_token"] as? [String: Any])?["set"] as? Bool == false, "\(name)")
            }
            #expect(try await session.call(.get, "/v1/integrations/tampered").json["status"] as? String == "ok")
            try await browser.shutdown()
            try await other.shutdown()
        }
        await harness.standIns.stop()
    }

    /// `link` refuses what it cannot honour with problem documents: a return_to outside the allowed
    /// origins (no open redirector), the wrong kind, unknown fields.
    @Test(arguments: [
        (["return_to": "https://evil.example/steal"], 422),
        (["return_to": "http://portal.example/integrations"], 422),
        (["return_to": "https://user:pw@portal.example/x"], 422),
        (["return_to": "javascript:alert(1)"], 422),
        (["return_to": "https://portal.example/ok", "extra": true], 422),
    ] as [([String: any Sendable], Int)])
    func linkRefusesBadReturnTo(_ body: [String: any Sendable], status: Int) async throws {
        let harness = try await GoogleHarness()
        try await harness.fixture.run { (session: BrokerSession) async throws in
            #expect(try await session.call(.post, "/v1/integrations", body: GoogleHarness.oauthIntegration("g")).status == 201)
            let reply = try await session.call(.post, "/v1/integrations/g/link", body: body)
            #expect(reply.status == status, "\(reply.text)")
            #expect(reply.headers["Content-Type"].first == "application/problem+json")
        }
        await harness.standIns.stop()
    }

    /// Service accounts get tokens by the JWT bearer grant, verify with rooms, and cannot be linked.
    @Test func serviceAccountsUseTheJWTBearerGrant() async throws {
        let harness = try await GoogleHarness()
        let google = harness.standIns.google
        try await harness.fixture.run { (session: BrokerSession) async throws in
            func body(_ name: String, subject: String) -> [String: Any] {
                ["name": name, "kind": "google",
                 "settings": ["auth": "service_account", "client_email": StandInSet.googleServiceAccount, "subject": subject, "scopes": [StandInSet.googleCalendarScope]],
                 "secrets": ["private_key": StandInSet.appCertificate.privateKeyPEM]]
            }
            #expect(try await session.call(.post, "/v1/integrations", body: body("sa", subject: "rooms@corp.example")).status == 201)
            let token = try await session.call(.post, "/v1/integrations/sa/token", as: "consumer")
            #expect(token.status == 200, "\(token.text)")
            #expect(token.json["account"] as? String == "rooms@corp.example")
            #expect(google.control.receivedBodies.last?.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer") == true)
            let verify = try await session.call(.post, "/v1/integrations/sa/verify", body: ["rooms": ["hq-101@resource.calendar.google.com"]])
            #expect(verify.json["code"] as? String == "ok", "\(verify.text)")
            #expect(verify.json["rooms"] as? [String: String] == ["hq-101@resource.calendar.google.com": "ok"])

            let stranger = try await session.call(.post, "/v1/verify", body: body("x", subject: "nobody@corp.example"))
            #expect(stranger.json["code"] as? String == "account_not_found", "\(stranger.text)")
            var wrongKey = body("y", subject: "rooms@corp.example")
            wrongKey["secrets"] = ["private_key": StandInSet.strayCertificate.privateKeyPEM]
            let rejected = try await session.call(.post, "/v1/verify", body: wrongKey)
            #expect(rejected.json["code"] as? String == "invalid_credentials", "\(rejected.text)")

            #expect(try await session.call(.post, "/v1/integrations/sa/link").code == "wrong_kind")

            // A stored key that is not an RSA key is the credentials' fault, not Google's: 502 and needs_attention.
            var unusable = body("broken-key", subject: "rooms@corp.example")
            unusable["secrets"] = ["private_key": TestPEM.privateKey("AAAAAAAA")]
            #expect(try await session.call(.post, "/v1/integrations", body: unusable).status == 201)
            let refused = try await session.call(.post, "/v1/integrations/broken-key/token", as: "consumer")
            #expect(refused.status == 502, "\(refused.text)")
            #expect(refused.code == "credentials_rejected")
            #expect(try await session.call(.get, "/v1/integrations/broken-key").json["status"] as? String == "needs_attention")
        }
        await harness.standIns.stop()
    }

    /// A refresh token Google revokes makes the integration need attention with the likely causes; a
    /// refresh answer carrying a new refresh token replaces the stored one.
    @Test func revokedGrantsNeedRelinkAndRotatedTokensAreKept() async throws {
        let harness = try await GoogleHarness()
        let google = harness.standIns.google
        try await harness.fixture.run { (session: BrokerSession) async throws in
            var browser = try SimulatedBrowser(session: session, harness: harness)
            let start = try await browser.open(try await Self.link(session, GoogleHarness.oauthIntegration("g")))
            #expect(try await browser.callback(try await browser.consent(start.headers["Location"].first!, account: "rooms@corp.example")).status == 200)

            google.behaviour.rotatesRefreshTokens = true
            #expect(try await session.call(.post, "/v1/integrations/g/token", as: "consumer", body: ["min_ttl_seconds": 300]).status == 200)
            google.behaviour.rotatesRefreshTokens = false
            #expect(google.liveRefreshTokens(for: "rooms@corp.example") == 1, "the old one was rotated away")
            // The next refresh (new scopes: not cached) must use the rotated token to succeed.
            let again = try await session.call(.post, "/v1/integrations/g/verify")
            #expect(again.json["code"] as? String == "ok", "\(again.text)")

            google.revokeAll(for: "rooms@corp.example")
            let verify = try await session.call(.post, "/v1/integrations/g/verify")
            #expect(verify.json["code"] as? String == "needs_relink")
            #expect((verify.json["hint"] as? String)?.contains("Testing") == true)
            let stored = try await session.call(.get, "/v1/integrations/g")
            #expect(stored.json["status"] as? String == "needs_attention")
            try await browser.shutdown()
        }
        await harness.standIns.stop()
    }

    static func expireLinkSessions(database: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE link_sessions SET expires_at = expires_at - 3600'); c.commit()", database]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
