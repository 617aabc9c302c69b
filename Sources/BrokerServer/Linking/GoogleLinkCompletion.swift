import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import BrokerUpstreams
import Foundation
import Logging

/// The callback's work once `state` and the browser checked out: exchange the code, prove who signed
/// in (the ID token), enforce the integration's guards, then seal and store the refresh token. Any
/// grant the broker will not keep is revoked at Google at once.
struct GoogleLinkCompletion {
    let dependencies: BrokerDependencies
    let session: LinkSession

    var google: GoogleTokenClient { dependencies.verifier.google }

    func complete(code: String, verifier: String, redirectURI: String) async -> (LinkOutcome, LinkRefusal) {
        guard let integration = try? await dependencies.integrations.integration(named: session.integration),
            case .google(let settings) = integration.settings, settings.auth == .oauth
        else { return (.upstreamError, LinkRefusal(message: "The integration was deleted or changed while you were signing in.")) }
        let response: UpstreamResponse
        do {
            response = try await google.exchange(code: code, verifier: verifier, redirectURI: redirectURI)
        } catch {
            return (.upstreamError, LinkRefusal(message: "Google's token endpoint could not be reached."))
        }
        guard let tokens = TokenEndpointResponse(response) else {
            let error = OAuthErrorResponse(response)?.error ?? "HTTP \(response.status)"
            return (.upstreamError, LinkRefusal(message: "Google refused to complete the sign-in (\(error))."))
        }
        let grant = SecretValue(tokens.refreshToken ?? tokens.accessToken)
        let tokenObject = response.jsonObject
        guard let idToken = tokenObject?["id_token"] as? String else {
            await revoke(grant)
            return (.upstreamError, LinkRefusal(message: "Google did not say which account signed in."))
        }
        let identity: GoogleIdentity
        do {
            identity = try await google.discovery.verifyIDToken(idToken, audience: google.client?.clientID ?? "")
        } catch {
            await revoke(grant)
            return (.upstreamError, LinkRefusal(message: "Google's answer did not prove which account signed in."))
        }
        if let refusal = Self.accountProblem(identity, settings: settings) {
            await revoke(grant)
            return (.accountMismatch, refusal)
        }
        let granted = Set((tokens.scope ?? "").split(separator: " ").map(String.init))
        let missing = settings.scopes.filter { !granted.contains($0) }
        if !missing.isEmpty {
            await revoke(grant)
            return (.missingScopes, LinkRefusal(account: identity.email, missingScopes: missing))
        }
        guard let refreshToken = tokens.refreshToken else {
            await revoke(grant)
            return (.noRefreshToken, LinkRefusal(account: identity.email))
        }
        do {
            try await store(SecretValue(refreshToken), identity: identity)
        } catch {
            await revoke(grant)
            dependencies.logger.error("storing a linked Google grant failed", metadata: ["integration": "\(session.integration)", "error": "\(error)"])
            return (.upstreamError, LinkRefusal(message: "The broker could not store the link."))
        }
        return (.linked, LinkRefusal(account: identity.email))
    }

    /// A personal account (no `hd`) is refused whenever a domain or an account is expected.
    static func accountProblem(_ identity: GoogleIdentity, settings: GoogleSettings) -> LinkRefusal? {
        let personal = identity.hostedDomain == nil
        if let expected = settings.expectedAccount, identity.email != expected.lowercased() {
            return LinkRefusal(account: identity.email, expected: expected, personal: personal)
        }
        let domain = settings.allowedDomain ?? settings.expectedAccount.flatMap { $0.split(separator: "@").last.map(String.init) }
        if let domain, identity.hostedDomain != domain.lowercased() {
            return LinkRefusal(account: identity.email, expected: settings.expectedAccount ?? "an account of the Google Workspace domain \(domain)", personal: personal)
        }
        return nil
    }

    /// Seals the refresh token into the integration (retrying on a concurrent change), revokes the grant
    /// it replaces, and drops cached tokens of the old one.
    private func store(_ refreshToken: SecretValue, identity: GoogleIdentity) async throws {
        let name = session.integration
        let sealed = try dependencies.sealer.seal(refreshToken, for: SealingContext(integration: name, field: .refreshToken))
        let previous = try? await dependencies.integrations.sealedSecrets(of: name)[.refreshToken]
        var attempt = 0
        while true {
            guard var current = try await dependencies.integrations.integration(named: name) else { throw BrokerError.integrationNotFound(name.rawValue) }
            let revision = current.revision
            let now = dependencies.now()
            current.status = .ok
            current.linkedAccount = identity.email
            current.linkedSubject = identity.subject
            current.lastVerifiedAt = now
            current.lastError = nil
            current.updatedAt = now
            do {
                _ = try await dependencies.integrations.update(current, expectedRevision: revision, secrets: [.refreshToken: sealed], removing: [])
                break
            } catch let error as BrokerError where error.code == "conflict" && attempt < 3 {
                attempt += 1
            }
        }
        dependencies.tokens.invalidate(name)
        await dependencies.persistedTokens.forget(name)
        if let previous, let old = try? dependencies.sealer.open(previous, for: SealingContext(integration: name, field: .refreshToken)) {
            await revoke(old)
        }
        dependencies.audit.record(AuditEvent(
            event: "link.completed", caller: session.createdBy, integration: name.rawValue, outcome: "ok",
            detail: ["account": identity.email, "replaced_grant": previous == nil ? "false" : "true"], at: dependencies.now()))
    }

    private func revoke(_ token: SecretValue) async {
        _ = await GoogleGrant(dependencies: dependencies).revoke(token)
    }
}
