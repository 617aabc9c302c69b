import BrokerCore
import Hummingbird
import NIOCore

/// The largest request bodies the broker reads, and how long it waits for them.
enum BodyLimits {
    /// Every JSON endpoint.
    static let api = 1024 * 1024
    /// The EWS pass-through (SOAP bodies can carry attachments).
    static let ews = 16 * 1024 * 1024
    /// How long a client may take to send a body once its headers are in: a body trickled a byte at
    /// a time would otherwise hold a connection and a task for ever (the idle timeout only sees silence).
    static let readTime: Duration = .seconds(10)

    /// The request's body, refused as too large past `limit` bytes and as too slow past `readTime`.
    static func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw BrokerErrorResponse(.payloadTooLarge(limit: limit))
        }
        do {
            return try await withDeadline(
                readTime, orThrow: { BrokerErrorResponse(.requestTimeout("The request body did not arrive within \(readTime.components.seconds) seconds.")) }
            ) {
                var request = request
                return try await request.collectBody(upTo: limit)
            }
        } catch let error as BrokerErrorResponse {
            throw error
        } catch {
            throw BrokerErrorResponse(.payloadTooLarge(limit: limit))
        }
    }
}
