import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerUpstreams
import Foundation
import Hummingbird

/// `POST /v1/integrations/{name}/ews` (role `consumer`): a SOAP body forwarded to that integration's
/// own EWS URL with its credentials (NTLM or Basic). The upstream's status and body come back as they
/// are; the password never leaves the broker. The broker's own refusals are problem documents.
struct EWSPassThroughController {
    let dependencies: BrokerDependencies

    static let soapMediaTypes = ["text/xml", "application/soap+xml"]

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.post("integrations/{name}/ews", use: forward)
    }

    func forward(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try IntegrationController.name(request, context: context)
        try caller.require(.consumer, for: name)
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard Self.soapMediaTypes.contains(mediaType) else {
            throw BrokerErrorResponse(.unsupportedMediaType(expected: "text/xml (a SOAP envelope)"))
        }
        let buffer = try await BodyLimits.collect(request, upTo: BodyLimits.ews)
        guard let integration = try await dependencies.integrationCache.recentIntegration(named: name) else {
            throw BrokerErrorResponse(.integrationNotFound(name.rawValue))
        }
        guard case .exchange(let settings) = integration.settings else {
            throw BrokerErrorResponse(.wrongKind(name, is: integration.kind, needs: .exchange))
        }
        guard let sealed = try await dependencies.integrations.sealedSecrets(of: name)[.password] else {
            throw BrokerErrorResponse(.validationFailed([FieldError(field: "secrets.password", message: "is not set for this integration")]))
        }
        let password = try dependencies.sealer.open(sealed, for: SealingContext(integration: name, field: .password))
        var headers: [(String, String)] = [("Content-Type", contentType)]
        if let action = request.headers[.init("SOAPAction")!] { headers.append(("SOAPAction", action)) }
        let upstream: UpstreamResponse
        do {
            upstream = try await dependencies.http.send(UpstreamRequest(
                method: "POST", url: settings.ewsURL, headers: headers, body: Array(buffer.readableBytesView),
                authentication: EWSProbe.authentication(settings, password: password), extraCAPEM: settings.caCertificate))
        } catch let error as UpstreamError {
            audit(caller, name, outcome: "failed", code: "\(error)")
            throw BrokerErrorResponse(Self.problem(for: error, name: name))
        }
        audit(caller, name, outcome: "ok", code: String(upstream.status))
        var responseHeaders: HTTPFields = [.cacheControl: "no-store"]
        if let type = upstream.header("Content-Type") { responseHeaders[.contentType] = type }
        return Response(status: .init(code: upstream.status), headers: responseHeaders, body: .init(byteBuffer: ByteBuffer(bytes: upstream.body)))
    }

    static func problem(for error: UpstreamError, name: IntegrationName) -> BrokerError {
        switch error {
        case .timeout: .upstreamTimeout("Exchange did not answer in time for '\(name)'.")
        case .unreachable: .upstreamUnavailable("Exchange cannot be reached for '\(name)'.")
        case .tls: .upstreamRefused("Exchange's TLS certificate for '\(name)' is not trusted; set its ca_certificate.")
        case .refusedTarget: .upstreamRefused("The broker refuses to call the EWS URL of '\(name)'.")
        case .responseTooLarge(let limit): .upstreamRefused("Exchange answered with more than \(limit / 1024 / 1024) MiB.")
        case .unusableCredentials, .other: .upstreamUnavailable("Calling Exchange for '\(name)' failed.")
        }
    }

    private func audit(_ caller: Caller, _ name: IntegrationName, outcome: String, code: String) {
        dependencies.audit.record(AuditEvent(event: "ews.forwarded", caller: caller.name, integration: name.rawValue, outcome: outcome, code: code, at: dependencies.now()))
    }
}
