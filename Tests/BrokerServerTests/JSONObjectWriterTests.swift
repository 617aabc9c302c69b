@testable import BrokerServer
import Foundation
import Testing

@Suite struct JSONObjectWriterTests {
    /// Whatever the strings hold, the output parses as JSON and gives the same values back.
    @Test(arguments: ["plain", "quote \" and backslash \\", "line\nbreak\r\ttab", "control \u{01}\u{1f}", "unicode ✓ é 日本 🎉", "slash / ok", ""])
    func writesValidJSON(_ text: String) throws {
        var writer = JSONObjectWriter()
        writer.add("a", text)
        writer.add("b", nil as String?)
        writer.add("c", 42)
        writer.add("d", [text, "x"])
        writer.add("e", ["k": text, "j": "1"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.finished())) as? [String: Any])
        #expect(object["a"] as? String == text)
        #expect(object["b"] is NSNull)
        #expect(object["c"] as? Int == 42)
        #expect(object["d"] as? [String] == [text, "x"])
        #expect(object["e"] as? [String: String] == ["k": text, "j": "1"])
    }

    @Test func auditLinesKeepTheirShape() throws {
        let line = AuditLog.line(AuditEvent(event: "token.issued", caller: "svc", integration: "hq", outcome: "ok", detail: ["fingerprint": "abc"], at: Date(timeIntervalSince1970: 0)))
        #expect(String(decoding: line, as: UTF8.self) == #"{"caller":"svc","detail":{"fingerprint":"abc"},"event":"token.issued","integration":"hq","outcome":"ok","ts":"1970-01-01T00:00:00.000Z"}"#)
    }
}
