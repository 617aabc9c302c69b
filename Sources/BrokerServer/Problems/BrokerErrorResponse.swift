public import BrokerCore
public import Hummingbird
import Foundation

/// A `BrokerError` as an `application/problem+json` response (RFC 9457) with the API's stable `code`.
public struct BrokerErrorResponse: HTTPResponseError {
    public let error: BrokerError
    public var headers: HTTPFields = [:]

    public init(_ error: BrokerError, headers: HTTPFields = [:]) {
        self.error = error
        self.headers = headers
    }

    public var status: HTTPResponse.Status { .init(code: error.status) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ProblemDocument(error).response(headers: headers)
    }
}

/// The body of every 4xx/5xx the broker itself answers.
struct ProblemDocument: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    let errors: [FieldError]?

    init(_ error: BrokerError) {
        type = "https://credbroker.dev/problems/\(error.code)"
        title = error.title
        status = error.status
        detail = error.message
        code = error.code
        errors = error.fieldErrors.isEmpty ? nil : error.fieldErrors
    }

    func response(headers extra: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data(#"{"code":"internal_error","status":500}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
