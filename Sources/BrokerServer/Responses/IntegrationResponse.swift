import BrokerCore
import BrokerTLS
import Foundation

/// An integration as the API shows it: settings, which secrets are set (never their values), health.
struct IntegrationResponse: Encodable {
    struct SecretState: Encodable {
        let set: Bool
        let updatedAt: Date?

        enum CodingKeys: String, CodingKey {
            case set
            case updatedAt = "updated_at"
        }
    }

    let name: String
    let kind: String
    let displayName: String?
    let settings: JSONValue
    let secrets: [String: SecretState]
    let status: String
    let linkedAccount: String?
    let lastVerifiedAt: Date?
    let lastTokenAt: Date?
    let lastUsedAt: Date?
    let lastError: LastError?
    let warnings: [IntegrationWarning]
    let stale: Bool
    let createdAt: Date
    let updatedAt: Date

    init(_ integration: Integration, now: Date) {
        name = integration.name.rawValue
        kind = integration.kind.rawValue
        displayName = integration.displayName
        settings = .object(integration.settings.jsonObject)
        var secrets: [String: SecretState] = [:]
        for field in integration.settings.storedSecrets.union(integration.secrets.keys) {
            secrets[field.rawValue] = SecretState(set: integration.secrets[field] != nil, updatedAt: integration.secrets[field]?.updatedAt)
        }
        self.secrets = secrets
        status = integration.status.rawValue
        linkedAccount = integration.linkedAccount
        lastVerifiedAt = integration.lastVerifiedAt
        lastTokenAt = integration.lastTokenAt
        lastUsedAt = integration.lastUsedAt
        lastError = integration.lastError
        warnings = integration.settings.warnings(now: now, certificateNotAfter: CertificateExpiry.notAfter)
        stale = integration.isStale(now: now)
        createdAt = integration.createdAt
        updatedAt = integration.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, settings, secrets, status, warnings, stale
        case displayName = "display_name"
        case linkedAccount = "linked_account"
        case lastVerifiedAt = "last_verified_at"
        case lastTokenAt = "last_token_at"
        case lastUsedAt = "last_used_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    // Absent values are written as null, so every field of the contract is always present.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(kind, forKey: .kind)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(settings, forKey: .settings)
        try container.encode(secrets, forKey: .secrets)
        try container.encode(status, forKey: .status)
        try container.encode(linkedAccount, forKey: .linkedAccount)
        try container.encode(lastVerifiedAt, forKey: .lastVerifiedAt)
        try container.encode(lastTokenAt, forKey: .lastTokenAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(stale, forKey: .stale)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// A page of integrations.
struct IntegrationListResponse: Encodable {
    let integrations: [IntegrationResponse]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case integrations
        case nextCursor = "next_cursor"
    }
}
