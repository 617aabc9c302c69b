import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import BrokerUpstreams
import Foundation

/// Fetches a fresh token for an integration from its provider: opens the sealed secrets, runs the
/// grant, and classifies failures as the contract needs (rejected vs transient).
struct UpstreamTokenSource: Sendable {
    let store: any IntegrationStore
    let sealer: EnvelopeSealer
    let microsoft: MicrosoftTokenClient
    let oauth2: OAuth2TokenClient
    let google: GoogleTokenClient
    let now: @Sendable () -> Date

    func fetch(_ integration: Integration, scopes: [String]) async throws(TokenFetchError) -> AccessToken {
        let secrets: [SecretField: SecretValue]
        do {
            var opened: [SecretField: SecretValue] = [:]
            for (field, sealed) in try await store.sealedSecrets(of: integration.name) {
                opened[field] = try sealer.open(sealed, for: SealingContext(integration: integration.name, field: field))
            }
            secrets = opened
        } catch {
            throw .unavailable(message: "The broker could not open the stored credentials of '\(integration.name)'.", retryAfter: nil)
        }
        let started = now()
        let response: UpstreamResponse
        do {
            switch integration.settings {
            case .office365(var settings):
                settings.scopes = scopes
                response = try await microsoft.requestToken(settings, secrets: secrets)
            case .oauth2(let settings):
                guard let secret = secrets[.clientSecret] else { throw TokenFetchError.credentialsRejected(code: "invalid_client", message: "No client secret is stored.") }
                response = try await oauth2.requestToken(settings, clientSecret: secret, scopes: scopes)
            case .exchange:
                throw TokenFetchError.noTokens(message: "On-premises Exchange has no tokens; use the EWS pass-through.")
            case .google(let settings):
                return try await googleToken(integration, settings: settings, secrets: secrets, scopes: scopes, started: started)
            }
        } catch let error as TokenFetchError {
            throw error
        } catch UpstreamError.timeout {
            throw .timeout(message: "The provider did not answer in time.")
        } catch UpstreamError.unusableCredentials(let reason) {
            throw .credentialsRejected(code: "invalid_client", message: "The stored credentials cannot be used: \(reason).")
        } catch let error as UpstreamError {
            throw .unavailable(message: "The provider cannot be reached (\(Self.kind(of: error))).", retryAfter: nil)
        } catch {
            throw .unavailable(message: "The provider call failed.", retryAfter: nil)
        }
        return try Self.token(from: response, requested: scopes, issuedAt: started)
    }

    /// The provider endpoint a token for `integration` comes from: what a circuit breaker guards.
    func upstream(for integration: Integration) -> String {
        let url: String =
            switch integration.settings {
            case .office365(let settings): settings.authority ?? microsoft.defaultAuthority
            case .google: google.discovery.issuer
            case .oauth2(let settings): settings.tokenURL
            case .exchange(let settings): settings.ewsURL
            }
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return host + (components.port.map { ":\($0)" } ?? "")
    }

    /// Google: the refresh-token grant for a linked account (a rotated refresh token replaces the stored
    /// one before the access token is used), or the JWT bearer grant for a service account.
    private func googleToken(_ integration: Integration, settings: GoogleSettings, secrets: [SecretField: SecretValue], scopes: [String], started: Date) async throws -> AccessToken {
        switch settings.auth {
        case .oauth:
            guard let refreshToken = secrets[.refreshToken] else {
                throw TokenFetchError.needsRelink(message: "'\(integration.name)' is not linked: press Link G Suite.")
            }
            let response = try await google.refresh(refreshToken, scopes: scopes)
            let token: AccessToken
            do throws(TokenFetchError) {
                token = try Self.token(from: response, requested: scopes, issuedAt: started)
            } catch {
                guard case .needsRelink = error else { throw error }
                throw TokenFetchError.needsRelink(message: "Google no longer accepts the link (invalid_grant). " + GoogleGrantRemedy.hint)
            }
            if let rotated = TokenEndpointResponse(response)?.refreshToken {
                try await replaceRefreshToken(of: integration.name, with: SecretValue(rotated))
            }
            return token
        case .serviceAccount:
            guard let privateKey = secrets[.privateKey] else { throw TokenFetchError.credentialsRejected(code: "invalid_grant", message: "No private key is stored.") }
            let response = try await google.serviceAccountToken(settings, privateKey: privateKey, scopes: scopes, now: started)
            do throws(TokenFetchError) {
                return try Self.token(from: response, requested: scopes, issuedAt: started)
            } catch {
                guard case .needsRelink = error else { throw error }
                // A service account has nothing to relink: invalid_grant means the key, clock or subject is wrong.
                let description = OAuthErrorResponse(response)?.description ?? "invalid_grant"
                throw TokenFetchError.credentialsRejected(code: "invalid_grant", message: "Google rejected the service account: \(description) Verify the integration to see what to fix.")
            }
        }
    }

    /// Persists a refresh token Google rotated, so the next refresh (on any replica) uses the live one.
    private func replaceRefreshToken(of name: IntegrationName, with token: SecretValue) async throws {
        let sealed = try sealer.seal(token, for: SealingContext(integration: name, field: .refreshToken))
        for _ in 0..<3 {
            guard let current = try await store.integration(named: name) else { return }
            // updatedAt stays: the grant is the same, so cached tokens (keyed by it) stay valid.
            let revision = current.revision
            do {
                _ = try await store.update(current, expectedRevision: revision, secrets: [.refreshToken: sealed], removing: [])
                return
            } catch let error as BrokerError where error.code == "conflict" {
                continue
            }
        }
    }

    static func token(from response: UpstreamResponse, requested: [String], issuedAt: Date) throws(TokenFetchError) -> AccessToken {
        if let token = TokenEndpointResponse(response) {
            let granted = token.scope.map { $0.split(separator: " ").map(String.init) } ?? requested
            return AccessToken(
                value: SecretValue(token.accessToken), tokenType: token.tokenType,
                expiresAt: issuedAt.addingTimeInterval(TimeInterval(token.expiresIn)), scopes: granted.isEmpty ? requested : granted, issuedAt: issuedAt)
        }
        let retryAfter = response.header("Retry-After").flatMap { Int($0) }
        if response.status == 429 || response.status >= 500 {
            throw .unavailable(message: "The provider is \(response.status == 429 ? "throttling requests" : "failing (HTTP \(response.status))").", retryAfter: retryAfter)
        }
        let parsed = OAuthErrorResponse(response)
        let error = parsed?.error
        let codes = parsed?.errorCodes ?? []
        switch error {
        case "invalid_grant" where codes.isEmpty:
            throw .needsRelink(message: "The provider revoked or expired the grant; link the integration again.")
        case "invalid_client", "unauthorized_client", "invalid_grant", "interaction_required", "consent_required", "invalid_scope":
            let detail = codes.first.map { " (AADSTS\($0))" } ?? ""
            throw .credentialsRejected(code: error!, message: "The provider rejected the credentials: \(error!)\(detail). Verify the integration to see what to fix.")
        case "temporarily_unavailable", "server_error":
            throw .unavailable(message: "The provider is temporarily unavailable.", retryAfter: retryAfter)
        default:
            throw .unavailable(message: "The provider answered in a way the broker could not read (HTTP \(response.status)).", retryAfter: nil)
        }
    }

    private static func kind(of error: UpstreamError) -> String {
        switch error {
        case .unreachable: "unreachable"
        case .tls: "TLS failed"
        case .refusedTarget: "refused target"
        case .responseTooLarge: "answer too large"
        case .timeout: "timeout"
        case .unusableCredentials, .other: "error"
        }
    }
}
