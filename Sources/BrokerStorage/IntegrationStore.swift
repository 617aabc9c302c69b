public import BrokerCore
import Foundation

/// Which integrations a list asks for: filters, the glob patterns the caller may see, and a page.
public struct IntegrationQuery: Sendable {
    public var kind: IntegrationKind?
    public var status: IntegrationStatus?
    public var patterns: [IntegrationPattern]
    /// Names strictly after this one, in name order.
    public var after: IntegrationName?
    public var limit: Int

    public init(kind: IntegrationKind? = nil, status: IntegrationStatus? = nil, patterns: [IntegrationPattern] = [.everything], after: IntegrationName? = nil, limit: Int = 1000) {
        self.kind = kind
        self.status = status
        self.patterns = patterns
        self.after = after
        self.limit = limit
    }
}

/// Integrations with their sealed secrets. Every write is one transaction: a failed create or
/// update leaves what was stored exactly as it was. Secret values only ever arrive sealed.
public protocol IntegrationStore: Sendable {
    /// Stores a new integration; throws `BrokerError.nameTaken` when the name exists.
    func create(_ integration: Integration, secrets: [SecretField: SealedSecret]) async throws
    func integration(named name: IntegrationName) async throws -> Integration?
    func list(_ query: IntegrationQuery) async throws -> [Integration]
    /// Replaces an integration read at `expectedRevision`, storing `secrets` and dropping `removing`;
    /// throws `BrokerError.conflict` when someone else changed it first. Returns what was stored.
    func update(_ integration: Integration, expectedRevision: Int, secrets: [SecretField: SealedSecret], removing: Set<SecretField>) async throws -> Integration
    /// Deletes an integration and destroys its sealed secrets; false when there was none.
    func delete(named name: IntegrationName) async throws -> Bool
    func sealedSecrets(of name: IntegrationName) async throws -> [SecretField: SealedSecret]
    /// How many integrations are in each status (metrics).
    func integrationCountsByStatus() async throws -> [IntegrationStatus: Int]
    /// How many secrets each key version seals, for `GET /v1/keys` and `keys retire`.
    func secretCountsByKeyVersion() async throws -> [UInt32: Int]
    /// Throws when the store cannot answer (readiness).
    func ping() async throws
    /// Up to `limit` sealed secrets not sealed under `keyVersion`, in (integration, field) order,
    /// strictly after `after`: the batches `keys rewrap` walks through.
    func secrets(notSealedUnder keyVersion: UInt32, after: StoredSecret.Position?, limit: Int) async throws -> [StoredSecret]
    /// In one transaction, replaces each secret whose stored bytes are still the ones read with its
    /// rewrapped form. A secret changed meanwhile (a PATCH) is left as it is. Returns how many changed.
    func replaceSealed(_ replacements: [(read: StoredSecret, rewrapped: SealedSecret)]) async throws -> Int
}

/// A sealed secret together with where it belongs.
public struct StoredSecret: Sendable, Equatable {
    /// An (integration, field) pair, the order batches are read in.
    public struct Position: Sendable, Equatable {
        public var integration: IntegrationName
        public var field: SecretField

        public init(integration: IntegrationName, field: SecretField) {
            self.integration = integration
            self.field = field
        }
    }

    public var position: Position
    public var sealed: SealedSecret

    public init(position: Position, sealed: SealedSecret) {
        self.position = position
        self.sealed = sealed
    }
}
