public import BrokerCore
public import BrokerSealing
public import BrokerStorage
public import BrokerUpstreams
import Foundation

/// Verifies a stored integration and records the outcome on it: what `POST /v1/integrations/{name}/verify`
/// and `credbroker integrations verify` both do.
public struct StoredVerification: Sendable {
    let store: any IntegrationStore
    let sealer: EnvelopeSealer
    let verifier: Verifier
    let webhooks: WebhookNotifier?

    public init(store: any IntegrationStore, keyring: KeyringHolder, verifier: Verifier, webhooks: WebhookNotifier? = nil) {
        self.store = store
        self.sealer = keyring.sealer
        self.verifier = verifier
        self.webhooks = webhooks
    }

    /// Nil when there is no such integration; `BrokerError.validationFailed` when rooms are asked of a
    /// kind that cannot check them.
    public func verify(_ name: IntegrationName, rooms: [String] = []) async throws -> (VerifyResult, Integration)? {
        guard let integration = try await store.integration(named: name) else { return nil }
        if !rooms.isEmpty, !Verifier.checksRooms(integration.kind) {
            throw BrokerError.validationFailed([FieldError(field: "rooms", message: "room calendars are checked for office365 and exchange integrations only")])
        }
        var secrets: [SecretField: SecretValue] = [:]
        for (field, sealed) in try await store.sealedSecrets(of: name) {
            secrets[field] = try sealer.open(sealed, for: SealingContext(integration: name, field: field))
        }
        let result = await verifier.verify(integration.settings, secrets: secrets, rooms: rooms)
        return (result, try await record(result, on: integration))
    }

    /// Stores the outcome: `ok` → status ok and `last_verified_at`; otherwise `failing` or
    /// `needs_attention` with `last_error`. Retried once when a concurrent change got there first.
    private func record(_ result: VerifyResult, on integration: Integration) async throws -> Integration {
        var current = integration
        for attempt in 0..<2 {
            var updated = current
            updated.status = result.resultingStatus
            if result.ok {
                updated.lastVerifiedAt = result.checkedAt
                updated.lastError = nil
            } else {
                updated.lastError = LastError(code: result.code.rawValue, message: result.message, at: result.checkedAt)
            }
            do {
                let stored = try await store.update(updated, expectedRevision: current.revision, secrets: [:], removing: [])
                webhooks?.statusChanged(from: current, to: stored, at: result.checkedAt)
                return stored
            } catch let error as BrokerError where error.code == "conflict" && attempt == 0 {
                guard let fresh = try await store.integration(named: integration.name) else { throw error }
                current = fresh
            }
        }
        return current
    }
}
