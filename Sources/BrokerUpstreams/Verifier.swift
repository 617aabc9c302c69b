public import BrokerCore
public import Foundation

/// "Verify with …": one real conversation with the provider per kind, its outcome turned into a
/// verify code, a message and a hint a person can act on. Never throws: trouble is a result.
public struct Verifier: Sendable {
    public let microsoft: MicrosoftTokenClient
    public let oauth2: OAuth2TokenClient
    public let google: GoogleTokenClient
    let ews: EWSProbe
    let graph: CalendarProbe
    let googleCalendar: CalendarProbe
    let now: @Sendable () -> Date

    /// `google` defaults to Google itself without an OAuth client (service accounts work, links do not).
    public init(
        http: UpstreamHTTPClient, microsoftAuthority: String, microsoftGraph: String = "https://graph.microsoft.com",
        google: GoogleTokenClient? = nil, googleAPI: String = "https://www.googleapis.com", now: @escaping @Sendable () -> Date = { Date() }
    ) {
        microsoft = MicrosoftTokenClient(http: http, defaultAuthority: microsoftAuthority)
        oauth2 = OAuth2TokenClient(http: http)
        self.google = google ?? GoogleTokenClient(http: http, discovery: GoogleDiscovery(issuer: "https://accounts.google.com", http: http), client: nil)
        ews = EWSProbe(http: http)
        graph = .graph(http: http, base: microsoftGraph)
        googleCalendar = .google(http: http, base: googleAPI)
        self.now = now
    }

    /// Kinds whose verification can also check rooms' calendars.
    public static func checksRooms(_ kind: IntegrationKind) -> Bool { kind != .oauth2 }

    /// Verifies the credentials and, when they work and `rooms` are given, whether the account can read
    /// each room's calendar (Graph for Office 365, GetFolder of the room's mailbox for Exchange).
    public func verify(_ settings: IntegrationSettings, secrets: [SecretField: SecretValue], rooms: [String] = []) async -> VerifyResult {
        switch settings {
        case .office365(let office): return await verifyOffice365(office, secrets: secrets, rooms: rooms)
        case .exchange(let exchange):
            var result = await verifyExchange(exchange, password: secrets[.password])
            if result.ok, !rooms.isEmpty, let password = secrets[.password] {
                var access: [String: RoomAccess] = [:]
                for room in rooms {
                    let response = try? await ews.getCalendarFolder(exchange, password: password, mailbox: room)
                    switch response.flatMap({ EWSProbe.responseCode($0.body) }) {
                    case "NoError"?: access[room] = .ok
                    case "ErrorNonExistentMailbox"?, "ErrorMissingEmailAddress"?, "ErrorInvalidSmtpAddress"?: access[room] = .notFound
                    default: access[room] = .noAccess
                    }
                }
                result.rooms = access
            }
            return result
        case .google(let google): return await verifyGoogle(google, secrets: secrets, rooms: rooms)
        case .oauth2(let generic): return await verifyOAuth2(generic, clientSecret: secrets[.clientSecret])
        }
    }

    // MARK: Office 365

    private func verifyOffice365(_ settings: Office365Settings, secrets: [SecretField: SecretValue], rooms: [String]) async -> VerifyResult {
        let inputs: [String] =
            switch settings.auth {
            case .password: ["account", "password", "tenant", "client_id"]
            case .clientSecret: ["client_secret", "tenant", "client_id"]
            case .certificate: ["certificate", "private_key", "tenant", "client_id"]
            }
        let response: UpstreamResponse
        do {
            response = try await microsoft.requestToken(settings, secrets: secrets)
        } catch UpstreamError.unusableCredentials(let reason) {
            return result(.invalidClient, "The certificate or private key cannot be used: \(reason).", hint: "Upload the app's certificate (PEM) and its RSA private key.",
                fields: ["certificate": "unchecked", "private_key": "invalid", "tenant": "unchecked", "client_id": "unchecked"])
        } catch {
            return transportFailure(error, provider: "Office 365", inputs: inputs)
        }
        if let token = TokenEndpointResponse(response) {
            var verified = result(.ok, "Office 365 accepted the credentials\(settings.account.map { " for \($0)" } ?? "").", fields: Dictionary(uniqueKeysWithValues: inputs.map { ($0, "ok") }), upstream: .init(status: response.status))
            verified.rooms = await graph.access(to: rooms, accessToken: token.accessToken)
            return verified
        }
        if let throttled = throttling(response, provider: "Office 365") { return throttled }
        let error = OAuthErrorResponse(response)
        let upstream = VerifyResult.Upstream(status: response.status, error: error?.error, errorCodes: error?.errorCodes ?? [])
        if let remedy = AADSTSRemedy.remedy(for: error?.errorCodes ?? [], account: settings.account, tenant: settings.tenant) {
            var fields = Dictionary(uniqueKeysWithValues: inputs.map { ($0, "unchecked") })
            fields.merge(remedy.fields.filter { inputs.contains($0.key) }) { $1 }
            return result(remedy.code, remedy.message, hint: remedy.hint, fields: fields, upstream: upstream)
        }
        switch error?.error {
        case "invalid_client", "unauthorized_client":
            return result(.invalidClient, "Office 365 rejected the app (client ID or its secret).", hint: "Check the client ID and the secret in Entra ID › App registrations.",
                fields: ["client_id": "invalid"], upstream: upstream)
        case "invalid_grant":
            return result(.invalidCredentials, "Office 365 rejected the sign-in.", hint: "Check the account and its password.", fields: ["account": "unchecked", "password": "invalid"], upstream: upstream)
        default:
            return result(.upstreamError, "Office 365 answered with an unexpected error (HTTP \(response.status)).", hint: "Try again later; if it persists, check the settings.", upstream: upstream)
        }
    }

    // MARK: Exchange

    private func verifyExchange(_ settings: ExchangeSettings, password: SecretValue?) async -> VerifyResult {
        let inputs = ["ews_url", "account", "username", "password"].filter { $0 != "username" || settings.username != nil }
        guard let password else { return result(.invalidCredentials, "No password is stored for this integration.", hint: "Enter the service account's password.", fields: ["password": "invalid"]) }
        let response: UpstreamResponse
        do {
            // With a separate logon name, ask for the account's own mailbox, so a wrong account shows.
            response = try await ews.getCalendarFolder(settings, password: password, mailbox: settings.username == nil ? nil : settings.account)
        } catch {
            return transportFailure(error, provider: "Exchange", inputs: inputs)
        }
        let upstream = VerifyResult.Upstream(status: response.status)
        let expectedPath = "/EWS/Exchange.asmx"
        let contentType = response.header("Content-Type")?.lowercased() ?? ""
        switch response.status {
        case 401:
            return result(.invalidCredentials, "Exchange rejected the sign-in of \(EWSProbe.logonName(settings)).",
                hint: "Check the password and the logon name (DOMAIN\\user or user@domain); with NTLM, the username often must be DOMAIN\\user.",
                fields: ["ews_url": "ok", "account": "unchecked", "username": settings.username == nil ? nil : "invalid", "password": "invalid"].compactMapValues { $0 }, upstream: upstream)
        case 404:
            return result(.ewsURLNotFound, "There is no EWS endpoint at \(settings.ewsURL).", hint: "EWS usually lives at https://mail.example.com\(expectedPath).",
                fields: ["ews_url": "invalid"], upstream: upstream)
        case 429, 503:
            if let throttled = throttling(response, provider: "Exchange") { return throttled }
            return result(.upstreamError, "Exchange is unavailable (HTTP \(response.status)).", hint: "Try again later.", upstream: upstream)
        default:
            break
        }
        if contentType.contains("text/html") {
            return result(.ewsURLNotFound, "\(settings.ewsURL) answers with a web page, not EWS.", hint: "EWS usually lives at https://mail.example.com\(expectedPath).", fields: ["ews_url": "invalid"], upstream: upstream)
        }
        let code = EWSProbe.responseCode(response.body)
        switch code {
        case "NoError"?:
            return result(.ok, "Exchange accepted the credentials and \(settings.account)'s calendar is readable.", fields: Dictionary(uniqueKeysWithValues: inputs.map { ($0, "ok") }), upstream: upstream)
        case "ErrorNonExistentMailbox"?, "ErrorMissingEmailAddress"?:
            return result(.accountNotFound, "Exchange has no mailbox \(settings.account).", hint: "Check the account's email address.", fields: ["ews_url": "ok", "password": "ok", "account": "invalid"], upstream: upstream)
        case "ErrorAccessDenied"?, "ErrorImpersonateUserDenied"?:
            return result(.invalidCredentials, "The service account signed in but may not read \(settings.account)'s calendar.", hint: "Grant the service account access to the mailbox.",
                fields: ["ews_url": "ok", "password": "ok", "account": "invalid"], upstream: upstream)
        case "ErrorServerBusy"?:
            return result(.throttled, "Exchange is busy and asks to back off.", hint: "Try again in a few minutes.", upstream: upstream)
        default:
            return result(.upstreamError, "Exchange answered unexpectedly (HTTP \(response.status)\(code.map { ", \($0)" } ?? "")).", hint: "Check the EWS URL; if it is right, ask the Exchange admin.", upstream: upstream)
        }
    }

    // MARK: Google

    private func verifyGoogle(_ settings: GoogleSettings, secrets: [SecretField: SecretValue], rooms: [String]) async -> VerifyResult {
        let inputs = settings.auth == .oauth ? ["linked_account", "scopes"] : ["client_email", "private_key", "subject", "scopes"]
        let response: UpstreamResponse
        do {
            switch settings.auth {
            case .oauth:
                guard let refreshToken = secrets[.refreshToken] else {
                    return result(.notLinked, "This Google integration is not linked yet.", hint: "Press \"Link G Suite\" and sign in with the Google account to use.", fields: ["linked_account": "invalid"])
                }
                response = try await google.refresh(refreshToken, scopes: settings.scopes)
            case .serviceAccount:
                guard let privateKey = secrets[.privateKey] else { return result(.invalidCredentials, "No private key is stored.", hint: "Upload the service account's private key.", fields: ["private_key": "invalid"]) }
                response = try await google.serviceAccountToken(settings, privateKey: privateKey, scopes: settings.scopes, now: now())
            }
        } catch UpstreamError.unusableCredentials(let reason) {
            return result(.invalidCredentials, "The Google credentials cannot be used: \(reason).", hint: "Upload the private_key from the service account's JSON key file.", fields: ["private_key": "invalid"])
        } catch {
            return transportFailure(error, provider: "Google", inputs: inputs)
        }
        if let token = TokenEndpointResponse(response) {
            let who = settings.subject ?? settings.expectedAccount
            var verified = result(.ok, "Google issued a token\(who.map { " for \($0)" } ?? "").", fields: Dictionary(uniqueKeysWithValues: inputs.map { ($0, "ok") }), upstream: .init(status: response.status))
            verified.rooms = await googleCalendar.access(to: rooms, accessToken: token.accessToken)
            return verified
        }
        if let throttled = throttling(response, provider: "Google") { return throttled }
        let error = OAuthErrorResponse(response)
        let upstream = VerifyResult.Upstream(status: response.status, error: error?.error)
        let description = error?.description ?? ""
        switch (settings.auth, error?.error) {
        case (.oauth, "invalid_grant"?):
            return result(.needsRelink, "Google no longer accepts the link (\(description.isEmpty ? "invalid_grant" : description)).",
                hint: GoogleGrantRemedy.hint, fields: ["linked_account": "invalid"], upstream: upstream)
        case (.serviceAccount, "invalid_grant"?) where description.contains("email or User ID"):
            return result(.accountNotFound, "Google does not know the user \(settings.subject ?? "") to impersonate.", hint: "Set subject to an existing user of the Workspace domain.",
                fields: ["client_email": "ok", "private_key": "ok", "subject": "invalid", "scopes": "unchecked"], upstream: upstream)
        case (.serviceAccount, "invalid_grant"?):
            return result(.invalidCredentials, "Google rejected the service account's signature (\(description)).", hint: "Upload the current private key of \(settings.clientEmail ?? "the service account"); the key may have been deleted, or the clock is off.",
                fields: ["client_email": "invalid", "private_key": "invalid", "subject": "unchecked", "scopes": "unchecked"], upstream: upstream)
        case (.serviceAccount, "unauthorized_client"?):
            return result(.consentRequired, "Domain-wide delegation is not granted for these scopes.",
                hint: "In the Admin console (Security › API controls › Domain-wide delegation) add the service account's client ID with exactly these scopes; changes can take hours to apply.",
                fields: ["client_email": "ok", "private_key": "ok", "subject": "unchecked", "scopes": "invalid"], upstream: upstream)
        case (_, "invalid_client"?):
            return result(.invalidClient, "Google does not accept the broker's OAuth client.", hint: "Ops: check CREDBROKER_GOOGLE_CLIENT_ID and its secret.", upstream: upstream)
        default:
            return result(.upstreamError, "Google answered with an unexpected error (HTTP \(response.status)).", hint: "Try again later.", upstream: upstream)
        }
    }

    // MARK: OAuth 2.0

    private func verifyOAuth2(_ settings: OAuth2Settings, clientSecret: SecretValue?) async -> VerifyResult {
        let inputs = ["token_url", "client_id", "client_secret", "scopes"]
        guard let clientSecret else { return result(.invalidClient, "No client secret is stored.", hint: "Enter the client secret.", fields: ["client_secret": "invalid"]) }
        let response: UpstreamResponse
        do {
            response = try await oauth2.requestToken(settings, clientSecret: clientSecret)
        } catch {
            return transportFailure(error, provider: "The token endpoint", inputs: inputs)
        }
        if TokenEndpointResponse(response) != nil {
            return result(.ok, "The token endpoint issued a token for \(settings.clientID).", fields: Dictionary(uniqueKeysWithValues: inputs.map { ($0, "ok") }), upstream: .init(status: response.status))
        }
        if let throttled = throttling(response, provider: "The token endpoint") { return throttled }
        let error = OAuthErrorResponse(response)
        let upstream = VerifyResult.Upstream(status: response.status, error: error?.error)
        switch error?.error {
        case "invalid_client", "unauthorized_client":
            return result(.invalidClient, "The token endpoint rejected the client ID or secret.", hint: "Check the client ID and secret, and whether it expects them in the body (client_secret_post) or as Basic auth.",
                fields: ["token_url": "ok", "client_id": "invalid", "client_secret": "invalid", "scopes": "unchecked"], upstream: upstream)
        case "invalid_scope":
            return result(.consentRequired, "The token endpoint refused the requested scopes.", hint: "Check the scopes this client may request.",
                fields: ["token_url": "ok", "client_id": "ok", "client_secret": "ok", "scopes": "invalid"], upstream: upstream)
        default:
            if response.status == 404 || (error == nil && (400..<500).contains(response.status)) {
                return result(.upstreamError, "\(settings.tokenURL) is not a token endpoint (HTTP \(response.status)).", hint: "Check the token URL.", fields: ["token_url": "invalid"], upstream: upstream)
            }
            return result(.upstreamError, "The token endpoint answered with an unexpected error (HTTP \(response.status)).", hint: "Try again later; if it persists, check the settings.", upstream: upstream)
        }
    }

    // MARK: Shared

    private func throttling(_ response: UpstreamResponse, provider: String) -> VerifyResult? {
        if response.status == 429 || (response.status == 503 && response.header("Retry-After") != nil) {
            let wait = response.header("Retry-After").map { " (it asks to wait \($0) s)" } ?? ""
            return result(.throttled, "\(provider) is throttling requests\(wait).", hint: "Verify again in a few minutes.", upstream: .init(status: response.status))
        }
        if (500..<600).contains(response.status) {
            return result(.upstreamError, "\(provider) failed (HTTP \(response.status)).", hint: "This is on the provider's side; try again later.", upstream: .init(status: response.status))
        }
        return nil
    }

    private func transportFailure(_ error: any Error, provider: String, inputs: [String]) -> VerifyResult {
        let unchecked = Dictionary(uniqueKeysWithValues: inputs.map { ($0, "unchecked") })
        switch error as? UpstreamError {
        case .timeout?:
            return result(.timeout, "\(provider) did not answer in time.", hint: "Check that the broker can reach it (firewall, proxy), then verify again.", fields: unchecked)
        case .unreachable?:
            return result(.unreachable, "\(provider) cannot be reached.", hint: "Check the URL's host name and that the broker's network may reach it.", fields: unchecked)
        case .tls?:
            return result(.tlsError, "\(provider)'s TLS certificate is not trusted or does not match its name.",
                hint: "If it uses an internal CA, add that CA's certificate (ca_certificate for Exchange, CREDBROKER_UPSTREAM_CA for others).", fields: unchecked)
        case .refusedTarget?:
            return result(.unreachable, "The broker refuses to call this address.", hint: "Use the provider's public https URL.", fields: unchecked)
        default:
            return result(.upstreamError, "\(provider) answered in a way the broker could not read.", hint: "Try again later.", fields: unchecked)
        }
    }

    private func result(_ code: VerifyCode, _ message: String, hint: String? = nil, fields: [String: String] = [:], upstream: VerifyResult.Upstream? = nil) -> VerifyResult {
        VerifyResult(code: code, message: message, hint: hint, fields: fields, upstream: upstream, checkedAt: now())
    }
}
