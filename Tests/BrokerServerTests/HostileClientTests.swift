import BrokerServer
import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import Testing

/// Clients that hold connections without finishing requests, or send too much: callers are still
/// served, the broker closes what stalls, and oversize input is refused before it is processed.
@Suite(.serialized, .timeLimit(.minutes(3))) struct HostileClientTests {
    static let idleTimeout = 2.0

    static func fixture() async throws -> BrokerFixture {
        try await BrokerFixture { configuration, _ in configuration.idleTimeoutSeconds = Self.idleTimeout }
    }

    /// 60 silent TCP connections, 30 silent TLS connections, 30 slowloris connections trickling
    /// header bytes and 10 trickling a body: meanwhile 60 ordinary calls all succeed; the silent and
    /// slowloris ones are closed after the idle timeout, the slow bodies get 408 and are closed.
    @Test func slowAndSilentClientsDoNotStarveCallers() async throws {
        let fixture = try await Self.fixture()
        try await fixture.run { session in
            let ca = fixture.pki.serverCA.certificatePEM
            var silent: [RawConnection] = []
            for index in 0..<90 { silent.append(try await RawConnection.open(port: session.port, trustingCAPEM: index < 60 ? nil : ca)) }
            var slowloris: [RawConnection] = []
            for _ in 0..<30 {
                let connection = try await RawConnection.open(port: session.port, trustingCAPEM: ca)
                try await connection.send("GET /v1/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                slowloris.append(connection)
            }
            var slowBodies: [RawConnection] = []
            for _ in 0..<10 {
                let connection = try await RawConnection.open(port: session.port, trustingCAPEM: ca)
                try await connection.send("POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(session.key("admin"))\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                slowBodies.append(connection)
            }
            let trickle = Task {
                for _ in 0..<60 {
                    for connection in slowloris where !connection.isClosed { try? await connection.send("X") }
                    for connection in slowBodies where !connection.isClosed { try? await connection.send(" ") }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }

            let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<60 { group.addTask { try await session.call(.get, "/v1/integrations").status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0 == 200 }, "\(replies)")

            for connection in silent + slowloris {
                #expect(await connection.waitUntilClosed(within: .seconds(Self.idleTimeout * 3)), "a stalled connection stays open")
            }
            for connection in slowBodies {
                #expect(await connection.waitUntilClosed(within: .seconds(15)), "a trickled body holds its connection")
                #expect(connection.received.hasPrefix("HTTP/1.1 408"), "\(connection.received.prefix(200))")
            }
            trickle.cancel()
            #expect(try await session.call(.get, "/v1/integrations").status == 200)
        }
    }

    /// Headers beyond the parser's limit are refused without reaching a route, and bodies beyond the
    /// limit get 413 before they are read; ordinary calls carry on.
    @Test func oversizeHeadersAndBodiesAreRefused() async throws {
        let fixture = try await Self.fixture()
        try await fixture.run { session in
            let ca = fixture.pki.serverCA.certificatePEM
            let huge = try await RawConnection.open(port: session.port, trustingCAPEM: ca)
            try await huge.send("GET /v1/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: \(String(repeating: "a", count: 200_000))\r\n\r\n")
            #expect(await huge.waitUntilClosed(within: .seconds(5)))
            #expect(!huge.received.contains("200 OK"))

            let declared = try await RawConnection.open(port: session.port, trustingCAPEM: ca)
            try await declared.send("POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(session.key("admin"))\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n")
            #expect(await declared.waitUntilClosed(within: .seconds(5)) || declared.received.contains("413"))
            #expect(declared.received.hasPrefix("HTTP/1.1 413"), "\(declared.received.prefix(200))")

            let sent = try await session.call(.post, "/v1/verify", body: ["padding": String(repeating: "x", count: 2 * 1024 * 1024)])
            #expect(sent.status == 413 && sent.json["code"] as? String == "payload_too_large", "\(sent.text.prefix(300))")
            #expect(try await session.call(.get, "/v1/integrations").status == 200)
        }
    }
}
