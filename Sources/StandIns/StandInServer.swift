public import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
public import NIOSSL
import Foundation

/// A stand-in's HTTPS server on an ephemeral loopback port, started and stopped by its owner.
public final class StandInServer: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>

    public var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Starts `router` over TLS with `certificateChain`/`privateKey` on 127.0.0.1 and a free port.
    public init(router: Router<BasicRequestContext>, tls: TLSConfiguration, name: String) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "standin.\(name)")
        // Stopping a stand-in mid-connection makes the server log shutdown errors that mean nothing here.
        logger.logLevel = .critical
        let app = Application(
            router: router, server: try .tls(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.port = port
    }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// TLS for a stand-in from PEM strings.
    public static func tls(certificatePEM: String, privateKeyPEM: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }
}

/// Thrown by the `.reset` fault to drop a connection mid-answer.
struct StandInReset: Error {}

/// Helpers the stand-ins share for reading requests and writing answers.
enum StandInHTTP {
    static func body(_ request: Request) async throws -> String {
        var request = request
        let buffer = try await request.collectBody(upTo: 32 * 1024 * 1024)
        return String(buffer: buffer)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Applies the fault in force; returns a response to send instead of the normal one, or nil.
    static func applyFault(_ control: StandInControl, garbage: String = "<html>not json</html>") async throws -> Response? {
        switch control.fault {
        case .none: return nil
        case .delay(let duration):
            try await Task.sleep(for: duration)
            return nil
        case .status(let code):
            return json(["error": "server_error", "error_description": "stand-in fault \(code)"], status: .init(code: code))
        case .throttle(let seconds):
            return json(["error": "temporarily_unavailable"], status: .tooManyRequests, headers: [.retryAfter: "\(seconds)"])
        case .garbage:
            return text(garbage, contentType: "text/html")
        case .hang:
            while !Task.isCancelled { try await Task.sleep(for: .seconds(1)) }
            throw CancellationError()
        case .redirect(let location):
            return Response(status: .temporaryRedirect, headers: [.location: location])
        case .hugeBody(let bytes):
            let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 * 1024)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(contentLength: bytes) { writer in
                var left = bytes
                while left > 0 {
                    try await writer.write(chunk.getSlice(at: 0, length: min(left, chunk.readableBytes))!)
                    left -= min(left, chunk.readableBytes)
                }
                try await writer.finish(nil)
            })
        case .slowDrip(let interval):
            let body = Array(#"{"access_token":"drip","token_type":"Bearer","expires_in":3600}"#.utf8)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(contentLength: body.count) { writer in
                for byte in body {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: interval)
                }
                try await writer.finish(nil)
            })
        case .reset:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(contentLength: 4096) { writer in
                try await writer.write(ByteBuffer(string: #"{"access_token":"cut-"#))
                // Failing the body write makes the server close the connection mid-answer.
                throw StandInReset()
            })
        }
    }

    /// The client ID and secret of a token request: HTTP Basic (each part form-encoded, RFC 6749
    /// §2.3.1) when present, else the `client_id` / `client_secret` form fields.
    static func clientCredentials(_ request: Request, form: [String: String]) -> (id: String?, secret: String?) {
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else { return (form["client_id"], form["client_secret"]) }
        func formDecoded(_ part: Substring) -> String? { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
        return (formDecoded(decoded[..<colon]), formDecoded(decoded[decoded.index(after: colon)...]))
    }

    /// `application/x-www-form-urlencoded` pairs in order (a key may repeat, as checkbox fields do).
    static func formPairs(_ body: String) -> [(String, String)] {
        body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// The payload of a JWS part (`header.payload.signature`), base64url-decoded, unverified.
    static func jwtPart(_ token: String, _ index: Int) -> Data? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return Data(base64URL: String(parts[index]))
    }

    static func newToken(_ prefix: String) -> String {
        "\(prefix)-" + UUID().uuidString.lowercased()
    }
}

extension Data {
    /// Unpadded base64url (RFC 4648 §5), as JWTs and PKCE use it.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
