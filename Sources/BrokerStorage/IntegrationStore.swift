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
    /// How many secrets each key version seals, for `GET /v1/keys` and `keys retire`.
    func secretCountsByKeyVersion() async throws -> [UInt32: Int]
    /// Throws when the store cannot answer (readiness).
    func ping() async throws
}
