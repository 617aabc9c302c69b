public import Foundation

/// One stored link to an external system, without any secret value: secrets appear only as metadata.
public struct Integration: Sendable, Equatable {
    public var name: IntegrationName
    public var displayName: String?
    public var settings: IntegrationSettings
    public var secrets: [SecretField: SecretMetadata]
    public var status: IntegrationStatus
    public var linkedAccount: String?
    public var linkedSubject: String?
    public var lastVerifiedAt: Date?
    public var lastTokenAt: Date?
    public var lastUsedAt: Date?
    public var lastError: LastError?
    public var createdAt: Date
    public var updatedAt: Date
    /// Increases with every stored change; updates name the revision they read, so none is lost.
    public var revision: Int

    public var kind: IntegrationKind { settings.kind }

    /// How long without a successful use or verification before an integration counts as stale.
    public static let staleAfter: TimeInterval = 30 * 24 * 3600

    public init(
        name: IntegrationName, displayName: String?, settings: IntegrationSettings,
        secrets: [SecretField: SecretMetadata], status: IntegrationStatus,
        linkedAccount: String? = nil, linkedSubject: String? = nil,
        lastVerifiedAt: Date? = nil, lastTokenAt: Date? = nil, lastUsedAt: Date? = nil, lastError: LastError? = nil,
        createdAt: Date, updatedAt: Date, revision: Int = 1
    ) {
        self.name = name
        self.displayName = displayName
        self.settings = settings
        self.secrets = secrets
        self.status = status
        self.linkedAccount = linkedAccount
        self.linkedSubject = linkedSubject
        self.lastVerifiedAt = lastVerifiedAt
        self.lastTokenAt = lastTokenAt
        self.lastUsedAt = lastUsedAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.revision = revision
    }

    /// True when nothing has succeeded with this integration for `staleAfter`, counting from its creation.
    public func isStale(now: Date) -> Bool {
        let lastSuccess = [lastVerifiedAt, lastTokenAt, createdAt].compactMap { $0 }.max() ?? createdAt
        return now.timeIntervalSince(lastSuccess) > Self.staleAfter
    }

    /// The status a new or re-credentialed integration starts in: Google OAuth waits for a link.
    public static func initialStatus(for settings: IntegrationSettings, hasRefreshToken: Bool) -> IntegrationStatus {
        if case .google(let google) = settings, google.auth == .oauth, !hasRefreshToken { return .unlinked }
        return .unverified
    }
}
