import AsyncHTTPClient
import Foundation
public import NIOCore
public import NIOHTTP1
public import NIOSSL

/// A real HTTPS client for the broker under test: trusts the test CA, optionally presents a client certificate.
public final class TestHTTPClient: Sendable {
    /// A response with its body read whole.
    public struct Reply: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        public var code: String? { json["code"] as? String }

        public var fieldErrors: [String] {
            (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        }
    }

    public let baseURL: String
    private let client: HTTPClient

    public init(baseURL: String, trustingCAPEM caPEM: String, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, maximumTLSVersion: TLSVersion? = nil,
        connectTimeout: TimeAmount = .seconds(30)
    ) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        if let clientCertificatePEM, let clientKeyPEM {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
        }
        if let maximumTLSVersion { tls.maximumTLSVersion = maximumTLSVersion }
        self.baseURL = baseURL
        // Redirects are answers the tests check (Link G Suite's 302 and 303), never followed.
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: connectTimeout, read: .seconds(30)))
        // As many connections as a test's callers, so none waits for a pooled one (which the connect timeout bounds too).
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func request(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }

    /// A JSON request with an API key (when given).
    public func json(_ method: HTTPMethod, _ path: String, key: String?, body: Any? = nil, contentType: String = "application/json") async throws -> Reply {
        var headers: [(String, String)] = []
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        var bytes: [UInt8]?
        if let body {
            headers.append(("Content-Type", contentType))
            bytes = Array(try JSONSerialization.data(withJSONObject: body))
        }
        return try await request(method, path, headers: headers, body: bytes)
    }

    public func shutdown() async throws { try await client.shutdown() }
}
