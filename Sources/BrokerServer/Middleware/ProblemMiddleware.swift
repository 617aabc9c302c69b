import BrokerCore
import BrokerSealing
public import Hummingbird
import Logging

/// Turns every error into a problem document, so no route, framework refusal or unexpected failure
/// ever answers in another shape, and nothing unexpected (which might hold a secret) reaches a caller.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let knownRoutes: KnownRoutes?

    public init() { knownRoutes = nil }

    init(knownRoutes: KnownRoutes) { self.knownRoutes = knownRoutes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as BrokerErrorResponse {
            return ProblemDocument(error.error).response(headers: error.headers)
        } catch let error as BrokerError {
            return ProblemDocument(error).response()
        } catch let error as SealingError {
            if case .keyVersionUnavailable(let version) = error {
                context.logger.error("secret sealed under a key version not loaded", metadata: ["credbroker.key_version": "\(version)"])
                return ProblemDocument(.keyVersionUnavailable(version)).response()
            }
            context.logger.error("sealing failed", metadata: ["credbroker.error": "\(error)"])
            return ProblemDocument(.internalError()).response()
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = knownRoutes?.methods(at: request.uri.path) {
                let allow = allowed.joined(separator: ", ")
                return ProblemDocument(.methodNotAllowed("\(request.method) is not allowed on \(request.uri.path); use \(allow).")).response(headers: [.allow: allow])
            }
            return ProblemDocument(Self.brokerError(for: error.status, request: request)).response()
        } catch {
            // The error's text may quote input or an upstream; log its type only.
            context.logger.error("request failed", metadata: ["credbroker.error_type": "\(type(of: error))"])
            return ProblemDocument(.internalError()).response()
        }
    }

    static func brokerError(for status: HTTPResponse.Status, request: Request) -> BrokerError {
        switch status.code {
        case 404: .notFound("There is no endpoint at \(request.method) \(request.uri.path).")
        case 405: .methodNotAllowed("\(request.method) is not allowed on \(request.uri.path).")
        case 413: .payloadTooLarge(limit: BodyLimits.api)
        case 400..<500: .invalidRequest("The request could not be read (\(status.code) \(status.reasonPhrase)).")
        default: .internalError()
        }
    }
}
