import BrokerServer
import BrokerTesting
import Foundation
import StandIns
import Testing

/// Link G Suite in a real headless Chromium against the broker and the Google stand-in, both over
/// HTTPS: the redirects, the `__Host-` cookie and SameSite=Lax are the browser's own doing here.
/// Screenshots of every page the manager ends on go to `.build/link-screenshots/`.
@Suite(.serialized, .enabled(if: HeadlessChromium.isAvailable, "needs Debian's chromium and chromium-driver (scripts/install-deps.sh)"))
struct BrowserLinkTests {
    static let screenshots: String = {
        let path = RepositoryPaths.root + "/.build/link-screenshots"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func linkFlowInChromium() async throws {
        let harness = try await GoogleHarness()
        let google = harness.standIns.google
        // The "portal" of this test is the stand-in's origin: a host Chromium can actually reach.
        let portal = google.issuer + "/portal/integrations?tab=calendars"
        try await harness.fixture.run { (session: BrokerSession) async throws in
            let browser = try await HeadlessChromium()
            do {
                func link(_ name: String, expected: String? = "rooms@corp.example", domain: String? = nil, returnTo: String? = nil) async throws -> String {
                    try await GoogleLinkTests.link(session, GoogleHarness.oauthIntegration(name, expectedAccount: expected, allowedDomain: domain), returnTo: returnTo)
                }
                func shot(_ name: String) async throws { try await browser.screenshot(to: "\(Self.screenshots)/\(name).png") }

                // Linked: Google's page preselects the expected account; Allow; the result page.
                let linkURL = try await link("browser-ok")
                try await browser.open(linkURL)
                #expect(try await browser.currentURL.hasPrefix(google.issuer + "/o/oauth2/v2/auth"))
                try await shot("0-google-consent")
                try await browser.click("#allow")
                var text = try await browser.text(containing: "Google account linked")
                #expect(text.contains("Google account linked"), "\(text)")
                #expect(text.contains("rooms@corp.example"))
                try await shot("1-linked")
                #expect(try await session.call(.get, "/v1/integrations/browser-ok").json["linked_account"] as? String == "rooms@corp.example")

                // Replaying Google's redirect in the same browser.
                let redirect = try #require(google.lastRedirect)
                try await browser.open(redirect)
                #expect(try await browser.text(containing: "cannot be matched").contains("cannot be matched"))
                try await shot("2-replayed")

                // The same link opened twice.
                try await browser.open(linkURL)
                text = try await browser.text(containing: "already used")
                #expect(text.contains("already used"), "\(text)")
                try await shot("3-link-used-twice")

                // A personal account where a Workspace domain is expected: refused, revoked upstream.
                try await browser.open(try await link("browser-personal", expected: nil, domain: "corp.example"))
                try await browser.click("input[value='jane@gmail.com']")
                try await browser.click("#allow")
                text = try await browser.text(containing: "Sign out of Google")
                #expect(text.contains("jane@gmail.com") && text.contains("corp.example") && text.contains("Sign out of Google"), "\(text)")
                #expect(google.liveRefreshTokens(for: "jane@gmail.com") == 0)
                try await shot("4-personal-account")

                // A scope unchecked on Google's page.
                try await browser.open(try await link("browser-scope"))
                try await browser.click("input[value='\(StandInSet.googleCalendarScope)']")
                try await browser.click("#allow")
                text = try await browser.text(containing: "Some access was not granted")
                #expect(text.contains("Some access was not granted"), "\(text)")
                try await shot("5-scope-unchecked")

                // The manager cancels.
                try await browser.open(try await link("browser-deny"))
                try await browser.click("#deny")
                text = try await browser.text(containing: "Linking was cancelled")
                #expect(text.contains("Linking was cancelled"), "\(text)")
                try await shot("6-denied")

                // State tampered with.
                try await browser.open(try await link("browser-tamper"))
                let authorization = try await browser.currentURL
                let state = GoogleLinkTests.query(authorization)["state"] ?? ""
                try await browser.open("https://127.0.0.1:\(harness.port)/oauth/google/callback?code=4%2Fforged&state=\(state.dropLast())x")
                #expect(try await browser.text(containing: "cannot be matched").contains("cannot be matched"))
                try await shot("7-state-tampered")

                // The callback reached without this browser's cookie (as from a second browser).
                let exchanges = google.control.count("/token")
                try await browser.open(try await link("browser-cookie"))
                try await browser.deleteCookies()
                try await browser.click("#allow")
                #expect(try await browser.text(containing: "cannot be matched").contains("cannot be matched"))
                #expect(google.control.count("/token") == exchanges, "refused before the token endpoint")
                try await shot("8-no-cookie")

                // Expired while on Google's page.
                try await browser.open(try await link("browser-expired"))
                try GoogleLinkTests.expireLinkSessions(database: harness.fixture.configuration.database)
                try await browser.click("#allow")
                text = try await browser.text(containing: "expired")
                #expect(text.contains("expired"), "\(text)")
                try await shot("9-expired")

                // With return_to: the browser lands on the portal with the result in the query.
                try await browser.open(try await link("browser-return", returnTo: portal))
                try await browser.click("#allow")
                var landed = try await browser.currentURL
                for _ in 0..<100 where !landed.contains("result=") {
                    try await Task.sleep(for: .milliseconds(100))
                    landed = try await browser.currentURL
                }
                #expect(landed.hasPrefix(portal + "&integration=browser-return&result=linked&account=rooms"), "\(landed)")
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
        await harness.standIns.stop()
    }
}
