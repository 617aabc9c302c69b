import BrokerTesting
@testable import BrokerServer
import Foundation
import Testing

@Suite struct AuditLogTests {
    /// Lines written from many tasks at once arrive whole: every line parses, none is lost.
    @Test func concurrentLinesNeverInterleave() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("audit.log")
        let audit = try AuditLog(destination: path)
        let detail = ["padding": String(repeating: "p", count: 700)]
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<400 {
                        audit.record(AuditEvent(event: "token.issued", caller: "svc-\(task)", integration: "i-\(index)", outcome: "ok", detail: detail))
                    }
                }
            }
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8 * 400)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["event"] as? String == "token.issued")
        }
    }
}
