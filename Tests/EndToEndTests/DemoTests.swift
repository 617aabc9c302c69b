import BrokerTesting
import Foundation
import NIOHTTP1
import Testing

@Suite(.serialized) struct DemoTests {
    /// `credbroker demo` starts the broker and its stand-ins, the tour's requests work (list, verify,
    /// tokens, EWS), and stopping it leaves no process and no files behind.
    @Test func demoTourWorksAndCleansUp() async throws {
        let directory = try TemporaryDirectory()
        let demo = try CommandRunner.start(["demo", "--port", "0"], in: directory)
        var exports: [String: String] = [:]
        for _ in 0..<600 where exports.isEmpty {
            if let line = demo.stdout.split(separator: "\n").first(where: { $0.hasPrefix("export CB=") }) {
                for pair in line.dropFirst("export ".count).split(separator: " ") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { exports[String(parts[0])] = String(parts[1]) }
                }
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard let address = exports["CB"], let caPath = exports["CA"], let admin = exports["ADMIN"], let consumer = exports["CONSUMER"] else {
            await demo.stop()
            Issue.record("the demo printed no tour: \(demo.stdout) \(demo.stderr)")
            return
        }
        let dataDirectory = (caPath as NSString).deletingLastPathComponent
        let client = try TestHTTPClient(baseURL: address, trustingCAPEM: try String(contentsOfFile: caPath, encoding: .utf8))
        let listed = try await client.json(.GET, "/v1/integrations", key: admin)
        #expect((listed.json["integrations"] as? [Any])?.count == 7)
        #expect(try await client.json(.POST, "/v1/integrations/hq-rooms/verify", key: admin).json["code"] as? String == "ok")
        #expect(try await client.json(.POST, "/v1/integrations/branch-locked/verify", key: admin).json["code"] as? String == "account_locked")
        #expect(try await client.json(.POST, "/v1/integrations/onprem/verify", key: admin).json["code"] as? String == "ok")
        #expect(try await client.json(.POST, "/v1/integrations/fmis/token", key: consumer).status == 200)
        #expect(try await client.json(.POST, "/v1/integrations/hq-app/token", key: consumer).status == 200)
        #expect(try await client.json(.POST, "/v1/integrations/gsuite-sa/token", key: consumer).status == 200)
        let link = try await client.json(.POST, "/v1/integrations/gsuite/link", key: admin)
        #expect(link.status == 201, "\(link.text)")
        let start = try await client.request(.GET, String((link.json["link_url"] as? String ?? "").dropFirst(address.count)))
        #expect(start.status == 302, "the link redirects to the Google stand-in: \(start.text)")
        let soap = try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/getfolder.xml"))
        let ews = try await client.request(.POST, "/v1/integrations/onprem/ews", headers: [("Authorization", "Bearer \(consumer)"), ("Content-Type", "text/xml")], body: Array(soap))
        #expect(ews.status == 200)
        #expect(ews.text.contains("NoError"))
        try await client.shutdown()

        let status = await demo.stop()
        #expect(status == 0, "stderr: \(demo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
        #expect(demo.stdout.contains("credbroker demo stopped"))
    }
}
