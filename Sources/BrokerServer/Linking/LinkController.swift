import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerUpstreams
import Foundation
import Hummingbird

/// `POST /v1/integrations/{name}/link` and `/unlink` (role `admin`): the portal's half of Link G Suite.
struct LinkController {
    let dependencies: BrokerDependencies

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.post("integrations/{name}/link", use: link)
        group.post("integrations/{name}/unlink", use: unlink)
    }

    struct LinkResponse: Encodable {
        let linkURL: String
        let expiresAt: Date
        enum CodingKeys: String, CodingKey {
            case linkURL = "link_url"
            case expiresAt = "expires_at"
        }
    }

    func link(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let (caller, integration) = try await loadGoogleOAuth(request, context: context)
        var returnTo: String?
        if request.headers[.contentLength].flatMap(Int.init) ?? 0 > 0 || request.headers[.transferEncoding] != nil {
            guard case .object(let object) = try await RequestBody.json(request, context: context) else {
                throw BrokerErrorResponse(.invalidRequest("The body must be a JSON object such as {\"return_to\": \"https://portal.example/integrations\"}."))
            }
            var reader = ObjectReader(object, path: "")
            returnTo = reader.string("return_to")
            if let value = returnTo, let problem = ReturnTo.problem(value, allowedOrigins: dependencies.link.returnToOrigins) {
                reader.fail("return_to", problem)
            }
            reader.rejectUnknownFields()
            if !reader.errors.isEmpty { throw BrokerErrorResponse(.validationFailed(reader.errors)) }
        }
        guard dependencies.verifier.google.client != nil else { throw BrokerErrorResponse(.googleNotConfigured) }
        let token = Base64URL.encode(try SecureRandom.bytes(32))
        let now = dependencies.now()
        let session = LinkSession(
            id: Digest.sha256Hex(Array(token.utf8)), integration: integration.name, returnTo: returnTo, createdBy: caller.name,
            createdAt: now, expiresAt: now.addingTimeInterval(LinkSession.lifetime))
        _ = try? await dependencies.linkSessions.deleteLinkSessions(expiredBefore: now.addingTimeInterval(-LinkSession.lifetime))
        try await dependencies.linkSessions.createLinkSession(session)
        dependencies.audit.record(AuditEvent(
            event: "link.started", caller: caller.name, integration: integration.name.rawValue, outcome: "ok",
            detail: returnTo.map { ["return_to_origin": ReturnTo.origin(of: $0) ?? ""] }, at: now))
        let url = dependencies.link.publicURL + "/oauth/google/start?session=" + token
        return try JSONResponse.make(LinkResponse(linkURL: url, expiresAt: session.expiresAt), status: .created)
    }

    func unlink(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let (caller, integration) = try await loadGoogleOAuth(request, context: context)
        let revoked = await GoogleGrant(dependencies: dependencies).forget(integration)
        guard let stored = try await dependencies.integrations.integration(named: integration.name) else {
            throw BrokerErrorResponse(.integrationNotFound(integration.name.rawValue))
        }
        dependencies.audit.record(AuditEvent(
            event: "link.unlinked", caller: caller.name, integration: integration.name.rawValue, outcome: "ok",
            detail: ["revoked_upstream": revoked ? "true" : "false"], at: dependencies.now()))
        return try JSONResponse.make(IntegrationResponse(stored, now: dependencies.now()))
    }

    private func loadGoogleOAuth(_ request: Request, context: BrokerRequestContext) async throws -> (Caller, Integration) {
        let (caller, integration) = try await IntegrationController(dependencies: dependencies).load(request, context: context)
        guard case .google(let google) = integration.settings, google.auth == .oauth else {
            throw BrokerErrorResponse(.notLinkable(integration.name, kind: integration.kind))
        }
        return (caller, integration)
    }
}

/// Where the callback may send the browser back to: an https URL (http only on loopback, for
/// development) whose origin is listed in `CREDBROKER_RETURN_TO_ORIGINS`. Anything else would make
/// the broker an open redirector.
enum ReturnTo {
    static func problem(_ value: String, allowedOrigins: [String]) -> String? {
        guard let origin = origin(of: value), let components = URLComponents(string: value), components.user == nil, components.password == nil else {
            return "must be an absolute https URL"
        }
        guard allowedOrigins.contains(where: { $0.lowercased() == origin }) else {
            return allowedOrigins.isEmpty
                ? "is not allowed: ops have not listed any origin in CREDBROKER_RETURN_TO_ORIGINS"
                : "must start with one of the allowed origins (\(allowedOrigins.joined(separator: ", ")))"
        }
        return nil
    }

    /// `scheme://host[:port]`, lower-cased; nil unless https (or http to a loopback host).
    static func origin(of value: String) -> String? {
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        let loopback = ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host)
        guard scheme == "https" || (scheme == "http" && loopback) else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// `return_to` with the result parameters appended.
    static func url(_ base: String, parameters: [(String, String)]) -> String {
        var components = URLComponents(string: base)!
        components.queryItems = (components.queryItems ?? []) + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves `+` alone, which form decoders read as a space (jane+rooms@…).
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.url?.absoluteString ?? base
    }
}
