import BrokerServer
import BrokerTLS
import BrokerTesting
import NIOHTTP1
import Foundation
import Testing

@Suite(.serialized) struct IntegrationLifecycleTests {
    /// One integration of each kind is created, read, listed, patched and deleted; responses show
    /// which secrets are set and never their values.
    @Test func everyKindGoesThroughItsLifecycle() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            let bodies: [(String, [String: Any], String)] = [
                ("hq-rooms", Samples.office365("hq-rooms"), "unverified"),
                ("hq-cert", Samples.office365Certificate("hq-cert", keyBody: "QUJDREVGR0g="), "unverified"),
                ("onprem", Samples.exchange("onprem"), "unverified"),
                ("gsuite", Samples.googleOAuth("gsuite"), "unlinked"),
                ("gsuite-sa", Samples.googleServiceAccount("gsuite-sa", keyBody: "SUpLTE1OT1A="), "unverified"),
                ("fmis", Samples.oauth2("fmis"), "unverified"),
            ]
            for (name, body, status) in bodies {
                let created = try await session.call(.post, "/v1/integrations", body: body)
                #expect(created.status == 201, "\(name): \(created.text)")
                #expect(created.headers["Location"].first == "/v1/integrations/\(name)")
                #expect(created.headers["Cache-Control"].first == "no-store")
                #expect(created.json["status"] as? String == status)
                #expect(created.json["stale"] as? Bool == false)
                for key in ["linked_account", "last_verified_at", "last_error", "created_at", "updated_at", "warnings"] {
                    #expect(created.json.keys.contains(key), "\(name) lacks \(key)")
                }
                let secrets = created.json["secrets"] as? [String: [String: Any]] ?? [:]
                for (field, state) in secrets where field != "refresh_token" {
                    #expect(state["set"] as? Bool == true, "\(name).\(field)")
                    #expect(state.count == 2, "only set and updated_at are shown")
                }
                let read = try await session.call(.get, "/v1/integrations/\(name)")
                #expect(read.json["name"] as? String == name)
            }
            let office = try await session.call(.get, "/v1/integrations/hq-rooms")
            #expect((office.json["warnings"] as? [[String: Any]])?.first?["code"] as? String == "password_grant_legacy")
            #expect((office.json["settings"] as? [String: Any])?["tenant"] as? String == "corp.example")
            let google = try await session.call(.get, "/v1/integrations/gsuite")
            #expect((google.json["secrets"] as? [String: [String: Any]])?["refresh_token"]?["set"] as? Bool == false)

            // Filters and pages.
            let googles = try await session.call(.get, "/v1/integrations?kind=google")
            #expect((googles.json["integrations"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["gsuite", "gsuite-sa"])
            let unlinked = try await session.call(.get, "/v1/integrations?status=unlinked")
            #expect((unlinked.json["integrations"] as? [[String: Any]])?.count == 1)
            var seen: [String] = []
            var path = "/v1/integrations?limit=4"
            while true {
                let page = try await session.call(.get, path)
                seen += (page.json["integrations"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                guard let cursor = page.json["next_cursor"] as? String else { break }
                path = "/v1/integrations?limit=4&cursor=\(cursor)"
            }
            #expect(seen == bodies.map(\.0).sorted())

            // Patch: display name alone keeps status; a new secret resets it to unverified.
            let renamed = try await session.call(.patch, "/v1/integrations/fmis", body: ["display_name": "Facilities"])
            #expect(renamed.status == 200)
            #expect(renamed.json["display_name"] as? String == "Facilities")
            let rekeyed = try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": "cs-new"], "settings": ["client_auth": "client_secret_post"]])
            #expect(rekeyed.status == 200)
            #expect((rekeyed.json["settings"] as? [String: Any])?["client_auth"] as? String == "client_secret_post")
            #expect(rekeyed.json["status"] as? String == "unverified")

            // Keys: every stored secret is sealed under the active version.
            let keys = try await session.call(.get, "/v1/keys", as: "ops")
            #expect(keys.json["active"] as? Int == 1)
            #expect(keys.json["loaded"] as? [Int] == [1])
            let versions = keys.json["versions"] as? [[String: Any]] ?? []
            #expect(versions.first?["state"] as? String == "active")
            #expect(versions.first?["secrets"] as? Int == 5)

            // Delete.
            #expect(try await session.call(.delete, "/v1/integrations/fmis").status == 204)
            #expect(try await session.call(.get, "/v1/integrations/fmis").status == 404)
            let afterDelete = try await session.call(.get, "/v1/keys", as: "ops")
            #expect((afterDelete.json["versions"] as? [[String: Any]])?.first?["secrets"] as? Int == 4)

            // Every change is in the audit trail.
            let audit = fixture.auditText.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let events = audit.compactMap { $0["event"] as? String }
            #expect(events.filter { $0 == "integration.created" }.count == 6)
            #expect(events.contains("integration.updated"))
            #expect(events.contains("integration.deleted"))
            #expect(audit.allSatisfy { $0["ts"] is String && $0["outcome"] is String })
        }
    }

    /// Warnings say what will break before it breaks: a certificate or a recorded client secret that
    /// expires within 30 days, or has expired.
    @Test func expiriesAreWarnedAbout() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            let soon = try DevCertificateAuthority(commonName: "soon", validity: 10 * 24 * 3600).certificatePEM
            let later = try DevCertificateAuthority(commonName: "later", validity: 90 * 24 * 3600).certificatePEM
            var office = Samples.office365Certificate("hq-cert", keyBody: "QUJD")
            office["settings"] = (office["settings"] as? [String: Any] ?? [:]).merging(["certificate": soon]) { $1 }
            let created = try await session.call(.post, "/v1/integrations", body: office)
            #expect((created.json["warnings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["certificate_expiring"])

            var exchange = Samples.exchange("onprem")
            exchange["settings"] = (exchange["settings"] as? [String: Any] ?? [:]).merging(["ca_certificate": later]) { $1 }
            #expect((try await session.call(.post, "/v1/integrations", body: exchange).json["warnings"] as? [Any])?.isEmpty == true)

            var fmis = Samples.oauth2("fmis")
            fmis["settings"] = (fmis["settings"] as? [String: Any] ?? [:]).merging(["client_secret_expires_at": "2020-01-01T00:00:00Z"]) { $1 }
            let expired = try await session.call(.post, "/v1/integrations", body: fmis)
            #expect((expired.json["warnings"] as? [[String: Any]])?.first?["code"] as? String == "client_secret_expired")
            let renewed = try await session.call(.patch, "/v1/integrations/fmis", body: ["settings": ["client_secret_expires_at": "2099-01-01T00:00:00Z"], "secrets": ["client_secret": "new"]])
            #expect((renewed.json["warnings"] as? [Any])?.isEmpty == true)
            let bad = try await session.call(.patch, "/v1/integrations/fmis", body: ["settings": ["client_secret_expires_at": "next tuesday"]])
            #expect(bad.status == 422)
            #expect(bad.fieldErrors == ["settings.client_secret_expires_at"])
        }
    }

    /// Health, readiness and the OpenAPI document need no credentials.
    @Test func publicEndpointsAnswerWithoutCredentials() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            #expect(try await session.call(.get, "/healthz", as: nil).json["status"] as? String == "ok")
            let ready = try await session.call(.get, "/readyz", as: nil)
            #expect(ready.status == 200)
            #expect((ready.json["keyring"] as? [String: Any])?["loaded"] as? [Int] == [1])
            let openapi = try await session.call(.get, "/openapi.yaml", as: nil)
            #expect(openapi.status == 200)
            #expect(openapi.text.hasPrefix("openapi: 3.1"))
            for path in ["/v1/integrations", "/v1/integrations/{name}", "/v1/integrations/{name}/verify", "/v1/integrations/{name}/token", "/v1/integrations/{name}/ews", "/v1/verify", "/v1/keys", "/healthz", "/readyz"] {
                #expect(openapi.text.contains("  \(path):"), "openapi.yaml documents \(path)")
            }
        }
    }
}
