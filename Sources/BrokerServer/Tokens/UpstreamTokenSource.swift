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
            case .google:
                throw TokenFetchError.unavailable(message: "Google tokens arrive with Link G Suite in a later release.", retryAfter: nil)
            }
        } catch let error as TokenFetchError {
            throw error
        } catch UpstreamError.timeout {
            throw .timeout(message: "The provider did not answer in time.")
        } catch let error as UpstreamError {
            if case .other(let reason) = error, case .office365 = integration.settings {
                throw .credentialsRejected(code: "invalid_client", message: "The certificate or private key cannot be used: \(reason).")
            }
            throw .unavailable(message: "The provider cannot be reached (\(Self.kind(of: error))).", retryAfter: nil)
        } catch {
            throw .unavailable(message: "The provider call failed.", retryAfter: nil)
        }
        return try Self.token(from: response, requested: scopes, issuedAt: started)
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
            throw .unavailable(message: "The provider is \(response.status == 429 ? "throttling requests" : "failing (HTTP \(response.status))").", retryAfter: retryAfter ?? 5)
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
            throw .unavailable(message: "The provider is temporarily unavailable.", retryAfter: retryAfter ?? 5)
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
        case .other: "error"
        }
    }
}
