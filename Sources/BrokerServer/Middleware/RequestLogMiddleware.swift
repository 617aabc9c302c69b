import BrokerCore
import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import Synchronization

/// One log line per request: method, path (never the query, which may carry a code or state),
/// status and duration — at `info` for refusals, failures and slow answers (over a second), at
/// `debug` for the rest: the token path answers thousands of times a second and the audit trail
/// already records each token issued. Headers are not logged, so keys and cookies cannot leak. Every request has
/// an id — the caller's `X-Request-Id` when it is a short token, else a fresh one — in every log
/// line written for it and echoed in the answer, so a caller's report can be found in the logs.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let id = request.headers[Self.requestID].flatMap(Self.acceptable) ?? Self.newID()
        context.logger[metadataKey: "credbroker.request_id"] = "\(id)"
        var response = try await next(request, context)
        response.headers[Self.requestID] = id
        let elapsed = ContinuousClock.now - start
        let level: Logger.Level = response.status.code >= 400 || elapsed > .seconds(1) ? .info : .debug
        guard context.logger.logLevel <= level else { return response }
        context.logger.log(
            level: level, "request",
            metadata: [
                "credbroker.method": "\(request.method)",
                "credbroker.path": "\(request.uri.path)",
                "credbroker.status": "\(response.status.code)",
                "credbroker.duration_ms": "\(elapsed.wholeMilliseconds)",
            ])
        return response
    }

    static var requestID: HTTPField.Name { RequestIDHeader.name }

    /// At most 64 characters of `[A-Za-z0-9._-]`: anything else could forge log lines.
    static func acceptable(_ id: String) -> String? {
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0 < 128 && (isalnum(Int32($0)) != 0 || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")) }) else { return nil }
        return id
    }

    static func newID() -> String { RequestIDHeader.next() }
}

/// The request-id header's name, parsed once (generic types cannot hold static stored properties),
/// and the ids the broker makes: a random prefix per process and a counter — unique across replicas
/// and restarts without a `getrandom(2)` call per request.
enum RequestIDHeader {
    static let name = HTTPField.Name("X-Request-Id")!

    private static let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + String(number, radix: 16)
    }
}
