import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StandIns

/// A real headless Chromium driven through chromedriver's W3C WebDriver API on loopback: each
/// `HeadlessChromium` is its own browser profile (its own cookie jar), like a separate browser.
public final class HeadlessChromium: Sendable {
    public static let chromedriver = "/usr/bin/chromedriver"
    public static let chromium = "/usr/bin/chromium"
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: chromedriver) && FileManager.default.isExecutableFile(atPath: chromium)
    }

    private let driver: Process
    private let client: HTTPClient
    private let base: String
    private let session: String

    public init() async throws {
        let port = try FreePort.find()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = ((try? await Self.call(client, "GET", base + "/status"))?["ready"] as? Bool) == true
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard ready else {
            driver.terminate()
            try? await client.shutdown()
            throw WebDriverError(message: "chromedriver did not become ready")
        }
        // The test servers' certificates come from CAs made by the tests; Chromium is told to accept
        // them rather than have them installed system-wide. TLS itself is real.
        let capabilities: [String: Any] = [
            "capabilities": ["alwaysMatch": [
                "browserName": "chrome", "acceptInsecureCerts": true,
                "goog:chromeOptions": ["binary": Self.chromium, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,720", "--no-first-run"]],
            ]]
        ]
        do {
            let value = try await Self.call(client, "POST", base + "/session", body: capabilities)
            guard let id = value?["sessionId"] as? String else { throw WebDriverError(message: "no session id in \(String(describing: value))") }
            session = id
        } catch {
            driver.terminate()
            try? await client.shutdown()
            throw error
        }
    }

    public func open(_ url: String) async throws {
        _ = try await command("POST", "/url", body: ["url": url])
    }

    public var currentURL: String {
        get async throws { try await command("GET", "/url") as? String ?? "" }
    }

    /// The page's visible text.
    public var text: String {
        get async throws { try await command("POST", "/execute/sync", body: ["script": "return document.body ? document.body.innerText : ''", "args": []]) as? String ?? "" }
    }

    /// The page's text once it contains `marker` (a click's navigation may still be under way), or
    /// whatever it shows after `seconds`.
    public func text(containing marker: String, seconds: Int = 10) async throws -> String {
        var current = ""
        for _ in 0..<(seconds * 10) {
            current = (try? await text) ?? ""
            if current.contains(marker) { return current }
            try await Task.sleep(for: .milliseconds(100))
        }
        return current
    }

    public func click(_ selector: String) async throws {
        let element = try await command("POST", "/element", body: ["using": "css selector", "value": selector]) as? [String: Any]
        guard let id = element?.values.first as? String else { throw WebDriverError(message: "no element \(selector)") }
        _ = try await command("POST", "/element/\(id)/click", body: [:])
    }

    /// Forgets every cookie of the current page's host (a different browser, as far as the broker can tell).
    public func deleteCookies() async throws {
        _ = try await command("DELETE", "/cookie")
    }

    public func screenshot(to path: String) async throws {
        guard let base64 = try await command("GET", "/screenshot") as? String, let png = Data(base64Encoded: base64) else {
            throw WebDriverError(message: "no screenshot")
        }
        try png.write(to: URL(fileURLWithPath: path))
    }

    public func quit() async {
        _ = try? await Self.call(client, "DELETE", base + "/session/\(session)")
        driver.terminate()
        // Not waitUntilExit(): on Linux it spins a run loop at full CPU inside an async test.
        for _ in 0..<100 where driver.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        try? await client.shutdown()
    }

    private func command(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Any? {
        try await Self.callValue(client, method, base + "/session/\(session)" + path, body: body)
    }

    /// One WebDriver call whose `value` is an object.
    @discardableResult
    private static func call(_ client: HTTPClient, _ method: String, _ url: String, body: [String: Any]? = nil) async throws -> [String: Any]? {
        try await callValue(client, method, url, body: body) as? [String: Any]
    }

    /// One WebDriver call; returns its `value`, throws its error.
    private static func callValue(_ client: HTTPClient, _ method: String, _ url: String, body: [String: Any]? = nil) async throws -> Any? {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView), options: [.fragmentsAllowed])) as? [String: Any]
        if response.status.code >= 400 {
            throw WebDriverError(message: "\(method) \(url): \(response.status.code) \(String(describing: (object?["value"] as? [String: Any])?["message"] ?? ""))")
        }
        return object?["value"]
    }
}

public struct WebDriverError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
