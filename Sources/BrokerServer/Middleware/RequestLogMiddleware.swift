import BrokerCore
public import Hummingbird
import Logging

/// One log line per request: method, path (never the query, which may carry a code or state),
/// status and duration. Headers are not logged, so keys and cookies cannot leak.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "credbroker.method": "\(request.method)",
                "credbroker.path": "\(request.uri.path)",
                "credbroker.status": "\(response.status.code)",
                "credbroker.duration_ms": "\(elapsed.wholeMilliseconds)",
            ])
        return response
    }
}
