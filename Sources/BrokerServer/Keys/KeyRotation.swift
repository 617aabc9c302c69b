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

    /// Secrets per transaction: large enough that per-batch costs vanish, small enough that a batch
    /// holds SQLite's write lock for only milliseconds while the servers keep writing.
    public static let defaultBatchSize = 2_000

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

    /// Batches are pipelined: while one batch is written (on the store's writer), the next is read
    /// and rewrapped, so the crypto and the database work overlap on two cores.
    public func rewrap(batchSize: Int = Self.defaultBatchSize, progress: (Progress) -> Void = { _ in }) async throws -> Progress {
        let sealer = EnvelopeSealer(keyring: keyring)
        let active = keyring.activeVersion
        let total = try await store.secretCountsByKeyVersion().filter { $0.key != active }.values.reduce(0, +)
        var state = Progress(done: 0, total: total, skipped: 0)
        progress(state)
        // A second pass picks up secrets written under an old version while the first ran (a replica
        // that had not reloaded yet); later passes would only chase such writers, so two suffice.
        for _ in 0..<2 {
            var batch = try await store.secrets(notSealedUnder: active, after: nil, limit: batchSize)
            var replacements = try Self.rewrapped(batch, with: sealer)
            while let last = batch.last {
                let writing = replacements
                async let written = store.replaceSealed(writing)
                batch = try await store.secrets(notSealedUnder: active, after: last.position, limit: batchSize)
                replacements = try Self.rewrapped(batch, with: sealer)
                let changed = try await written
                state.done += changed
                state.skipped += writing.count - changed
                state.total = max(state.total, state.done)
                progress(state)
            }
            // The counts come from the key-version index; asking for one secret not under the active
            // version would walk the table in name order.
            if try await store.secretCountsByKeyVersion().keys.allSatisfy({ $0 == active }) { break }
        }
        return state
    }

    private static func rewrapped(_ batch: [StoredSecret], with sealer: EnvelopeSealer) throws -> [(read: StoredSecret, rewrapped: SealedSecret)] {
        let rewrapped = try sealer.rewrap(batch.map { ($0.sealed, SealingContext(integration: $0.position.integration, field: $0.position.field)) })
        return zip(batch, rewrapped).compactMap { stored, rewrapped in rewrapped.map { (stored, $0) } }
    }
}
