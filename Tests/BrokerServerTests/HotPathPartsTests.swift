import BrokerCore
@testable import BrokerServer
import Foundation
import Logging
import Testing

/// The hand-written pieces of the token hot path agree with the general code they replaced.
@Suite struct HotPathPartsTests {
    /// Timestamps read exactly as Foundation's ISO 8601 style with fractional seconds writes them,
    /// across leap days, year ends, negative and far-future times (mid-millisecond, where both
    /// truncate the same way whatever the last bits of the double). Before 1582 Foundation switches to
    /// the Julian calendar; RFC 3339 (and this) stay proleptic Gregorian.
    @Test(arguments: [-11_670_912_000.4995, 253_402_300_799.5005, 0, 0.0015, 0.9995, 59.9995, 951_782_400.5005, 1_709_208_000.1235, 1_767_225_599.9995, 1_798_761_600, 4_102_444_800.2505, -1.4995, -86_400.0015])
    func timestampsMatchFoundation(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(RFC3339Timestamp.string(date) == Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
    }

    @Test(arguments: [
        ("Bearer cbk_abc", "cbk_abc"), ("bearer cbk_abc", "cbk_abc"), ("BEARER cbk_abc", "cbk_abc"), ("  Bearer   cbk_abc  ", "cbk_abc"),
        ("Bearer\tcbk", nil), ("Bearer cbk\t", "cbk"), ("Bearer a b", "a b"),
    ] as [(String, String?)])
    func bearerTokensAreRead(_ header: String, _ expected: String?) {
        #expect(ClientAuthenticator.bearerToken(header)?.revealUTF8() == expected)
    }

    @Test(arguments: ["", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Bearerx abc", "Bearex abc", "Token abc", "Bearer " + String(repeating: "k", count: 257)])
    func malformedAuthorizationIsRefused(_ header: String) {
        #expect(ClientAuthenticator.bearerToken(header) == nil)
    }

    @Test func requestIDsAreUniqueAndLoggable() {
        let ids = (0..<1000).map { _ in RequestLogMiddleware<BrokerRequestContext>.newID() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { RequestLogMiddleware<BrokerRequestContext>.acceptable($0) == $0 })
    }
}

/// The process log's two formats carry the message and every piece of metadata, set on the logger
/// or given with the event.
@Suite struct StderrLogHandlerTests {
    func event(_ message: Logger.Message) -> LogEvent {
        LogEvent(level: .info, message: message, metadata: ["credbroker.status": "200"], source: nil, file: #file, function: #function, line: #line)
    }

    @Test func textLinesCarryMessageAndSortedMetadata() throws {
        var handler = StderrLogHandler(label: "credbroker", format: .text)
        handler[metadataKey: "credbroker.request_id"] = "abc-1"
        let line = String(decoding: try #require(handler.line(for: event("request"))), as: UTF8.self)
        #expect(line.hasSuffix(" info credbroker: request credbroker.request_id=abc-1 credbroker.status=200\n"))
        // It starts with the time as every other line the broker writes: RFC 3339, UTC, milliseconds.
        let stamp = try #require(line.split(separator: " ").first)
        #expect(stamp.utf8.count == 24 && stamp.hasSuffix("Z") && (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(String(stamp))) != nil)
    }

    @Test func jsonLinesParse() throws {
        var handler = StderrLogHandler(label: "credbroker", format: .json)
        handler[metadataKey: "credbroker.request_id"] = "abc-1"
        let data = try #require(handler.line(for: event("quote \" and\nnewline")))
        #expect(data.last == UInt8(ascii: "\n") && data.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object["message"] == "quote \" and\nnewline" && object["level"] == "info" && object["logger"] == "credbroker")
        #expect(object["credbroker.request_id"] == "abc-1" && object["credbroker.status"] == "200")
    }
}
