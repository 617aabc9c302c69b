import BrokerCore
public import BrokerSealing
public import BrokerStorage
import Foundation

/// Rewraps every stored data key under the keyring's active version, in batches of one transaction
/// each. Idempotent and resumable: the work left is exactly the secrets not yet under the active
/// version, so a run killed at any moment is finished by running it again. Secret ciphertexts are
/// never touched, and a secret a PATCH replaces meanwhile is left to that PATCH.
public struct KeyRotation: Sendable {
    /// How far a rewrap has come.
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var skipped: Int
    }

    let store: any IntegrationStore
    let keyring: Keyring

    public init(store: any IntegrationStore, keyring: Keyring) {
        self.store = store
        self.keyring = keyring
    }

    /// Secrets sealed under each version, for `keys status` and `keys retire`.
    public func counts() async throws -> [UInt32: Int] {
        try await store.secretCountsByKeyVersion()
    }

    public func rewrap(batchSize: Int = 500, progress: (Progress) -> Void = { _ in }) async throws -> Progress {
        let sealer = EnvelopeSealer(keyring: keyring)
        let active = keyring.activeVersion
        let total = try await store.secretCountsByKeyVersion().filter { $0.key != active }.values.reduce(0, +)
        var state = Progress(done: 0, total: total, skipped: 0)
        progress(state)
        // A second pass picks up secrets written under an old version while the first ran (a replica
        // that had not reloaded yet); later passes would only chase such writers, so two suffice.
        for _ in 0..<2 {
            var after: StoredSecret.Position?
            while true {
                let batch = try await store.secrets(notSealedUnder: active, after: after, limit: batchSize)
                guard let last = batch.last else { break }
                after = last.position
                var replacements: [(read: StoredSecret, rewrapped: SealedSecret)] = []
                for stored in batch {
                    let context = SealingContext(integration: stored.position.integration, field: stored.position.field)
                    if let rewrapped = try sealer.rewrap(stored.sealed, for: context) { replacements.append((stored, rewrapped)) }
                }
                let changed = try await store.replaceSealed(replacements)
                state.done += changed
                state.skipped += replacements.count - changed
                state.total = max(state.total, state.done)
                progress(state)
            }
            if try await store.secrets(notSealedUnder: active, after: nil, limit: 1).isEmpty { break }
        }
        return state
    }
}
