import Hummingbird
public import NIOSSL
import Foundation
import Synchronization

/// A local Microsoft identity platform v2.0 token endpoint: the password and client-credentials
/// grants, with the AADSTS errors real tenants give for each kind of wrong input.
public final class MicrosoftStandIn: Sendable {
    /// A service account and what is wrong with it, if anything.
    public struct User: Sendable {
        public enum Condition: Sendable { case ok, mfaRequired, locked, disabled, passwordExpired, conditionalAccess }
        public var password: String
        public var condition: Condition
        public init(password: String, condition: Condition = .ok) {
            self.password = password
            self.condition = condition
        }
    }

    /// An app registration.
    public struct App: Sendable {
        public var secret: String?
        public var secretExpired: Bool
        public var publicClientFlows: Bool
        public var consented: Bool
        /// The PEM certificate uploaded for certificate sign-in (client assertions).
        public var certificatePEM: String?
        public init(secret: String? = nil, secretExpired: Bool = false, publicClientFlows: Bool = true, consented: Bool = true, certificatePEM: String? = nil) {
            self.secret = secret
            self.secretExpired = secretExpired
            self.publicClientFlows = publicClientFlows
            self.consented = consented
            self.certificatePEM = certificatePEM
        }
    }

    /// A tenant, known by its domain names and GUID.
    public struct Tenant: Sendable {
        public var names: [String]
        public var apps: [String: App]
        public var users: [String: User]
        public init(names: [String], apps: [String: App], users: [String: User]) {
            self.names = names
            self.apps = apps
            self.users = users
        }
    }

    public let control: StandInControl
    private let directory: Directory
    public let server: StandInServer

    /// `rooms` maps room mailboxes to whether the signed-in account may read their calendars (Graph).
    public init(tenants: [Tenant], rooms: [String: Bool] = [:], tls: TLSConfiguration) async throws {
        let control = StandInControl()
        let directory = Directory(tenants)
        let router = Router()
        router.post("{tenant}/oauth2/v2.0/token") { request, context in
            try await Self.token(request, tenant: context.parameters.get("tenant") ?? "", directory: directory, control: control)
        }
        router.get("v1.0/users/{user}/calendar") { request, context in
            control.record("/graph/calendar", body: "")
            guard request.headers[.authorization]?.hasPrefix("Bearer ms-access-") == true else {
                return StandInHTTP.json(["error": ["code": "InvalidAuthenticationToken"]], status: .unauthorized)
            }
            switch rooms[(context.parameters.get("user") ?? "").lowercased()] {
            case true?: return StandInHTTP.json(["id": "AAMk-calendar", "name": "Calendar"])
            case false?: return StandInHTTP.json(["error": ["code": "ErrorAccessDenied", "message": "Access is denied."]], status: .forbidden)
            case nil: return StandInHTTP.json(["error": ["code": "ErrorItemNotFound"]], status: .notFound)
            }
        }
        self.control = control
        self.directory = directory
        server = try await StandInServer(router: router, tls: tls, name: "microsoft")
    }

    /// The `authority` to configure (`CREDBROKER_MICROSOFT_AUTHORITY`).
    public var authority: String { server.baseURL }

    /// The Graph base URL to configure (`CREDBROKER_MICROSOFT_GRAPH`): this stand-in serves both.
    public var graph: String { server.baseURL }

    public func update(_ change: @Sendable (inout [Tenant]) -> Void) {
        directory.tenants.withLock { tenants in change(&tenants) }
    }

    /// The tenants, changeable while the stand-in runs.
    final class Directory: Sendable {
        let tenants: Mutex<[Tenant]>
        init(_ tenants: [Tenant]) { self.tenants = Mutex(tenants) }
    }

    private static func token(_ request: Request, tenant name: String, directory: Directory, control: StandInControl) async throws -> Response {
        let body = try await StandInHTTP.body(request)
        control.record("/token", body: body)
        if let fault = try await StandInHTTP.applyFault(control) { return fault }
        let form = Self.decodeForm(body)
        guard let tenant = directory.tenants.withLock({ $0.first { $0.names.contains(name.lowercased()) } }) else {
            return Self.error("invalid_request", 90002, "Tenant '\(name)' not found.")
        }
        guard let clientID = form["client_id"], let app = tenant.apps[clientID] else {
            return Self.error("unauthorized_client", 700016, "Application with identifier '\(form["client_id"] ?? "")' was not found in the directory.")
        }
        if let assertion = form["client_assertion"] {
            guard form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                let certificate = app.certificatePEM,
                await ClientAssertionCheck.isValid(assertion, certificatePEM: certificate, clientID: clientID, tenant: name)
            else {
                return Self.error("invalid_client", 700027, "Client assertion failed signature validation.", status: .unauthorized)
            }
            guard form["grant_type"] == "client_credentials" else { return Self.error("unsupported_grant_type", 70003, "The grant type is not supported.") }
            return StandInHTTP.json(["token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": StandInHTTP.newToken("ms-access")])
        }
        let secret = form["client_secret"]
        if let secret {
            guard secret == app.secret else { return Self.error("invalid_client", 7000215, "Invalid client secret provided.", status: .unauthorized) }
            if app.secretExpired { return Self.error("invalid_client", 7000222, "The provided client secret keys are expired.", status: .unauthorized) }
        }
        switch form["grant_type"] {
        case "password":
            if secret == nil, !app.publicClientFlows {
                return Self.error("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", status: .unauthorized)
            }
            guard let username = form["username"]?.lowercased(), let user = tenant.users[username] else {
                return Self.error("invalid_grant", 50034, "The user account does not exist in the directory.")
            }
            guard form["password"] == user.password else { return Self.error("invalid_grant", 50126, "Error validating credentials due to invalid username or password.") }
            switch user.condition {
            case .ok: break
            case .mfaRequired: return Self.error("invalid_grant", 50076, "Due to a configuration change made by your administrator, you must use multi-factor authentication.")
            case .locked: return Self.error("invalid_grant", 50053, "The account is locked.")
            case .disabled: return Self.error("invalid_grant", 50057, "The user account is disabled.")
            case .passwordExpired: return Self.error("invalid_grant", 50055, "The password is expired.")
            case .conditionalAccess: return Self.error("invalid_grant", 53003, "Access has been blocked by Conditional Access policies.")
            }
            guard app.consented else { return Self.error("invalid_grant", 65001, "The user or administrator has not consented to use the application.") }
        case "client_credentials":
            guard secret != nil else { return Self.error("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", status: .unauthorized) }
        default:
            return Self.error("unsupported_grant_type", 70003, "The grant type is not supported.")
        }
        return StandInHTTP.json([
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
            "access_token": StandInHTTP.newToken("ms-access"), "scope": form["scope"] ?? "",
        ])
    }

    static func error(_ error: String, _ code: Int, _ text: String, status: HTTPResponse.Status = .badRequest) -> Response {
        StandInHTTP.json(
            ["error": error, "error_description": "AADSTS\(code): \(text)", "error_codes": [code], "timestamp": "2026-11-25 08:00:00Z",
             "trace_id": UUID().uuidString.lowercased(), "correlation_id": UUID().uuidString.lowercased()],
            status: status)
    }

    static func decodeForm(_ body: String) -> [String: String] {
        Dictionary(StandInHTTP.formPairs(body), uniquingKeysWith: { $1 })
    }
}

