import Hummingbird
public import NIOSSL
import Foundation

/// A local OAuth 2.0 token endpoint (an FMIS, say): client credentials with the secret as HTTP Basic
/// or in the body, and the scopes each client may request.
public final class OAuth2StandIn: Sendable {
    /// A registered client.
    public struct Client: Sendable {
        public var secret: String
        public var allowedScopes: Set<String>
        public init(secret: String, allowedScopes: Set<String> = []) {
            self.secret = secret
            self.allowedScopes = allowedScopes
        }
    }

    public let control: StandInControl
    public let server: StandInServer

    public init(clients: [String: Client], tls: TLSConfiguration) async throws {
        let control = StandInControl()
        let router = Router()
        router.post("oauth/token") { request, _ in try await Self.token(request, clients: clients, control: control) }
        self.control = control
        server = try await StandInServer(router: router, tls: tls, name: "oauth2")
    }

    public var tokenURL: String { server.baseURL + "/oauth/token" }

    private static func token(_ request: Request, clients: [String: Client], control: StandInControl) async throws -> Response {
        let body = try await StandInHTTP.body(request)
        control.record("/oauth/token", body: body)
        if let fault = try await StandInHTTP.applyFault(control) { return fault }
        let form = MicrosoftStandIn.decodeForm(body)
        let (clientID, secret) = StandInHTTP.clientCredentials(request, form: form)
        guard form["grant_type"] == "client_credentials" else {
            return StandInHTTP.json(["error": "unsupported_grant_type"], status: .badRequest)
        }
        guard let clientID, let client = clients[clientID], secret == client.secret else {
            return StandInHTTP.json(["error": "invalid_client", "error_description": "Client authentication failed."], status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"standin\""])
        }
        let requested = Set((form["scope"] ?? "").split(separator: " ").map(String.init))
        guard requested.isSubset(of: client.allowedScopes) else {
            return StandInHTTP.json(["error": "invalid_scope", "error_description": "The requested scope is not allowed."], status: .badRequest)
        }
        return StandInHTTP.json(["access_token": StandInHTTP.newToken("fmis-access"), "token_type": "Bearer", "expires_in": 3600, "scope": requested.sorted().joined(separator: " ")])
    }
}
