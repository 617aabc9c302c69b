import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import BrokerUpstreams
import Foundation
import Logging

/// A linked Google grant's end: revoke it at Google (so it stops counting against the account's
/// refresh-token cap and cannot be used by anyone holding a copy), then forget it here.
struct GoogleGrant {
    let dependencies: BrokerDependencies

    /// Revokes the stored refresh token upstream (best effort) and returns whether Google confirmed.
    func revoke(_ integration: Integration) async -> Bool {
        guard let sealed = try? await dependencies.integrations.sealedSecrets(of: integration.name)[.refreshToken],
            let refreshToken = try? dependencies.sealer.open(sealed, for: SealingContext(integration: integration.name, field: .refreshToken))
        else { return false }
        return await revoke(refreshToken)
    }

    func revoke(_ token: SecretValue) async -> Bool {
        do {
            return try await dependencies.verifier.google.revoke(token)
        } catch {
            dependencies.logger.warning("Google revocation failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Unlink: revoke upstream, drop the refresh token, status `unlinked`. Retries once on a concurrent change.
    func forget(_ integration: Integration) async -> Bool {
        let revoked = await revoke(integration)
        for _ in 0..<3 {
            guard var current = try? await dependencies.integrations.integration(named: integration.name) else { break }
            let revision = current.revision
            current.status = .unlinked
            current.linkedAccount = nil
            current.linkedSubject = nil
            current.lastError = nil
            current.updatedAt = dependencies.now()
            if (try? await dependencies.integrations.update(current, expectedRevision: revision, secrets: [:], removing: [.refreshToken])) != nil { break }
        }
        dependencies.tokens.invalidate(integration.name)
        await dependencies.persistedTokens.forget(integration.name)
        return revoked
    }
}
