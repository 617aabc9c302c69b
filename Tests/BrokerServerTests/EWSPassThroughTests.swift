import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Testing

@Suite(.serialized) struct EWSPassThroughTests {
    static func exchange(_ name: String, _ standIns: StandInSet) -> [String: Any] {
        ["name": name, "kind": "exchange",
         "settings": ["ews_url": standIns.ews.ewsURL, "account": "rooms@corp.example", "username": "CORP\\rooms", "auth": "basic"],
         "secrets": ["password": StandInSet.password]]
    }

    static func soap(_ payload: String) -> [UInt8] {
        Array(#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>\#(payload)</soap:Body></soap:Envelope>"#.utf8)
    }

    func send(_ session: BrokerSession, _ path: String, as client: String = "consumer", body: [UInt8], contentType: String = "text/xml; charset=utf-8") async throws -> TestHTTPClient.Reply {
        try await session.http.request(.POST, path, headers: [("Authorization", "Bearer \(session.key(client))"), ("Content-Type", contentType), ("SOAPAction", "\"http://schemas.microsoft.com/exchange/services/2006/messages/GetItem\"")], body: body)
    }

    /// A large SOAP body reaches Exchange byte for byte with the integration's credentials, and the
    /// answer comes back byte for byte; the password appears nowhere in it.
    @Test func largeBodiesRoundTripUnchanged() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.exchange("onprem", standIns)).status == 201)
            var filler = ""
            for index in 0..<70_000 { filler += "<t:Item n=\"\(index)\">\(UUID().uuidString)</t:Item>" }
            let body = Self.soap("<m:Echo>\(filler)</m:Echo>")
            #expect(body.count > 4_000_000)
            let reply = try await send(session, "/v1/integrations/onprem/ews", body: body)
            #expect(reply.status == 200)
            #expect(reply.body == body)
            #expect(reply.headers["Content-Type"].first?.hasPrefix("text/xml") == true)
            #expect(standIns.ews.control.receivedBodies.last.map { Array($0.utf8) } == body)
            #expect(!reply.text.contains(StandInSet.password))
            #expect(!"\(reply.headers)".contains(StandInSet.password))
        }
        await standIns.stop()
    }

    /// A SOAP fault stays the upstream's own answer: HTTP 500 with its XML, not a problem document.
    @Test func soapFaultsPassThroughAsTheyAre() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.exchange("onprem", standIns)).status == 201)
            let reply = try await send(session, "/v1/integrations/onprem/ews", body: Self.soap("<m:Fail/>"))
            #expect(reply.status == 500)
            #expect(reply.headers["Content-Type"].first?.hasPrefix("text/xml") == true)
            #expect(reply.text.contains("ErrorInvalidRequest"))
        }
        await standIns.stop()
    }

    /// The broker's own refusals are problem documents: roles, patterns, media type, size, kind.
    @Test func refusalsAreProblemDocuments() async throws {
        let harness = try await VerifyHarness(timeoutSeconds: 2)
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.exchange("onprem", standIns)).status == 201)
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("fmis")).status == 201)
            let cases: [(String, String, [UInt8], String, Int, String)] = [
                ("admin", "/v1/integrations/onprem/ews", Self.soap("<x/>"), "text/xml", 403, "forbidden"),
                ("acme-consumer", "/v1/integrations/onprem/ews", Self.soap("<x/>"), "text/xml", 403, "forbidden"),
                ("consumer", "/v1/integrations/onprem/ews", Array("{}".utf8), "application/json", 415, "unsupported_media_type"),
                ("consumer", "/v1/integrations/onprem/ews", [UInt8](repeating: 0x20, count: 16 * 1024 * 1024 + 1), "text/xml", 413, "payload_too_large"),
                ("consumer", "/v1/integrations/fmis/ews", Self.soap("<x/>"), "text/xml", 409, "wrong_kind"),
                ("consumer", "/v1/integrations/missing/ews", Self.soap("<x/>"), "text/xml", 404, "integration_not_found"),
            ]
            for (client, path, body, contentType, status, code) in cases {
                let reply = try await send(session, path, as: client, body: body, contentType: contentType)
                #expect(reply.status == status, "\(client) \(path) \(contentType)")
                #expect(reply.code == code)
                #expect(reply.headers["Content-Type"].first == "application/problem+json")
            }
            standIns.ews.control.fault = .hang
            let start = ContinuousClock.now
            let hung = try await send(session, "/v1/integrations/onprem/ews", body: Self.soap("<x/>"))
            #expect(hung.status == 504)
            #expect(hung.code == "upstream_timeout")
            #expect(ContinuousClock.now - start < .seconds(3))
            standIns.clearFaults()
            #expect(harness.fixture.auditText.contains(#""event":"ews.forwarded""#))
        }
        await standIns.stop()
    }
}
