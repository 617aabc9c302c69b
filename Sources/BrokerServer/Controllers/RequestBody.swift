import BrokerCore
import Foundation
import Hummingbird

/// Reads a JSON request body within the API's limits: the right media type, at most 1 MiB, valid JSON.
enum RequestBody {
    static func json(_ request: Request, context: BrokerRequestContext, mediaTypes: [String] = ["application/json"], limit: Int = BodyLimits.api) async throws -> JSONValue {
        let contentType = request.headers[.contentType]?
            .split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard mediaTypes.contains(contentType) else {
            throw BrokerErrorResponse(.unsupportedMediaType(expected: mediaTypes.joined(separator: " or ")))
        }
        let buffer = try await BodyLimits.collect(request, upTo: limit)
        guard buffer.readableBytes > 0 else { throw BrokerErrorResponse(.invalidRequest("The request body is empty; send a JSON object.")) }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw BrokerErrorResponse(.invalidRequest("The request body is not valid JSON."))
        }
    }
}
