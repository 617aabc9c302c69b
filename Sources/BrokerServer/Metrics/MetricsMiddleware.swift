import Hummingbird

/// Counts and times every request by its route template (`/v1/integrations/{name}/token`, never the
/// concrete name), method and final status, problem documents included.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: BrokerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code), duration: ContinuousClock.now - start)
            return response
        } catch {
            metrics.request(route: route, method: request.method.rawValue, status: (error as? any HTTPResponseError)?.status.code ?? 500, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
