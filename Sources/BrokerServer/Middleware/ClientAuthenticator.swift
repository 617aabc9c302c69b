import BrokerCore
import Foundation
import BrokerSealing
import BrokerStorage
import BrokerTLS
import Hummingbird
import NIOCore
import NIOSSL

/// Establishes the caller of every `/v1` request: an API key (`Authorization: Bearer`) or a TLS client
/// certificate whose identity is registered. Anything else is 401, and failures are audited. A remote
/// address that keeps failing is turned away with 429 before its credentials are even looked at, so
/// guessing gains nothing, until its bucket refills.
struct ClientAuthenticator: RouterMiddleware {
    typealias Context = BrokerRequestContext

    let clients: any ClientStore
    let audit: AuditLog
    let failures: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let source = context.channel?.remoteAddress?.ipAddress ?? "unknown"
        if let wait = failures.exhausted(source) {
            audit.record(AuditEvent(event: "auth.throttled", caller: nil, outcome: "denied", code: "rate_limited", detail: ["path": request.uri.path]))
            throw BrokerErrorResponse(
                .rateLimited("Too many failed authentications from this address; try again later."), headers: [.retryAfter: "\(max(1, Int(wait.rounded(.up))))"])
        }
        do {
            return try await authenticate(request, context: context, next: next)
        } catch let error as BrokerErrorResponse where error.status == .unauthorized {
            _ = failures.take(source)
            throw error
        }
    }

    private func authenticate(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            guard let key = Self.bearerToken(authorization) else {
                throw refuse(request, reason: "malformed_authorization", message: "The Authorization header must be 'Bearer <api-key>'.")
            }
            let hash = APIKey.hash(key)
            guard let client = try await clients.client(apiKeyHash: hash),
                let stored = client.apiKeyHash, Digest.constantTimeEqual(Array(stored.utf8), Array(hash.utf8))
            else {
                throw refuse(request, reason: "unknown_api_key", message: "The API key is not valid. Ask ops for a key (`credbroker clients add`).")
            }
            context.caller = Caller(client: client, method: .apiKey)
        } else if let identity = try await Self.certificateIdentity(context.channel) {
            guard let client = try await clients.client(mtlsIdentity: identity) else {
                throw refuse(request, reason: "unregistered_certificate", message: "The client certificate is valid but its identity is not registered (`credbroker clients add --mtls-identity`).")
            }
            context.caller = Caller(client: client, method: .mtls)
        } else {
            throw refuse(request, reason: "no_credentials", message: BrokerError.unauthorized().message)
        }
        return try await next(request, context)
    }

    private func refuse(_ request: Request, reason: String, message: String) -> BrokerErrorResponse {
        audit.record(AuditEvent(event: "auth.failed", caller: nil, outcome: "denied", code: reason, detail: ["path": request.uri.path]))
        return BrokerErrorResponse(.unauthorized(message), headers: [.wwwAuthenticate: "Bearer realm=\"credbroker\""])
    }

    /// The key in `Bearer <key>` (scheme in any case, spaces and tabs around the key ignored), at
    /// most 256 bytes. Read as bytes: this runs on every request, and Foundation's trimming bridged
    /// through NSString.
    static func bearerToken(_ header: String) -> SecretValue? {
        var bytes = Substring(header).utf8[...]
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = bytes.first, isBlank(first) { bytes.removeFirst() }
        while let last = bytes.last, isBlank(last) { bytes.removeLast() }
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let scheme = bytes[..<space]
        guard scheme.count == 6, zip(scheme, "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        var token = bytes[space...]
        while let first = token.first, isBlank(first) { token.removeFirst() }
        guard !token.isEmpty, token.count <= 256 else { return nil }
        return SecretValue(bytes: token)
    }

    /// The identity of the verified client certificate on this connection, if one was presented.
    static func certificateIdentity(_ channel: (any Channel)?) async throws -> String? {
        guard let channel else { return nil }
        let certificate: NIOSSLCertificate?
        do {
            certificate = try await channel.nioSSL_peerCertificate().get()
        } catch {
            // No TLS handler (plain HTTP in tests) means no certificate.
            return nil
        }
        guard let certificate else { return nil }
        return ClientCertificateIdentity.identity(fromDER: try certificate.toDERBytes())
    }
}
