import BrokerCore
import Foundation

/// How values are written to columns, shared by the SQLite and PostgreSQL stores so both keep the
/// same text in the same columns and read it back the same way.
enum StoredForm {
    static func text(of settings: IntegrationSettings) -> String {
        String(decoding: settings.encodedJSON(), as: UTF8.self)
    }

    static func text(of lastError: LastError?) throws -> String? {
        try lastError.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    static func text(of scopes: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(scopes), as: UTF8.self)
    }

    static func scopes(from text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    static func rolesText(_ client: Client) -> String {
        client.roles.map(\.rawValue).sorted().joined(separator: ",")
    }

    static func patternsText(_ client: Client) -> String {
        client.patterns.map(\.rawValue).joined(separator: ",")
    }

    /// The integration a row holds; `date` reads an epoch-seconds column.
    static func integration(
        name rawName: String, kind rawKind: String, status rawStatus: String, settings: String, lastError: String?,
        secrets: [SecretField: SecretMetadata], date: (String) throws -> Date?, text: (String) throws -> String?, revision: Int
    ) throws -> Integration {
        guard let name = IntegrationName(rawName), let kind = IntegrationKind(rawValue: rawKind), let status = IntegrationStatus(rawValue: rawStatus),
            let createdAt = try date("created_at"), let updatedAt = try date("updated_at")
        else { throw BrokerError.internalError("The stored integration '\(rawName)' is corrupt.") }
        return Integration(
            name: name, displayName: try text("display_name"),
            settings: try IntegrationSettings.decode(kind: kind, json: Data(settings.utf8)),
            secrets: secrets, status: status, linkedAccount: try text("linked_account"), linkedSubject: try text("linked_subject"),
            lastVerifiedAt: try date("last_verified_at"), lastTokenAt: try date("last_token_at"), lastUsedAt: try date("last_used_at"),
            lastError: try lastError.map { try JSONDecoder().decode(LastError.self, from: Data($0.utf8)) },
            createdAt: createdAt, updatedAt: updatedAt, revision: revision)
    }

    static func client(name: String, roles: String, patterns: String, mtlsIdentity: String?, apiKeyHash: String?, createdAt: Double) -> Client {
        Client(
            name: name,
            roles: Set(roles.split(separator: ",").compactMap { Role(rawValue: String($0)) }),
            patterns: patterns.split(separator: ",").compactMap { IntegrationPattern(String($0)) },
            mtlsIdentity: mtlsIdentity, apiKeyHash: apiKeyHash, createdAt: Date(timeIntervalSince1970: createdAt))
    }

    static func sealed(_ bytes: [UInt8], field rawField: String, of rawName: String) throws -> SealedSecret {
        guard let sealed = SealedSecret(serialized: bytes) else {
            throw BrokerError.internalError("The sealed \(rawField) of '\(rawName)' is corrupt in the store.")
        }
        return sealed
    }

    static func conflict() -> BrokerError {
        .conflict("A client with this name, key or mTLS identity already exists.")
    }

    static func staleRevision(_ name: IntegrationName) -> BrokerError {
        .conflict("'\(name)' was changed by another request while this one ran; read it again and retry.")
    }
}
