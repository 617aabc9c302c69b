public import Foundation

/// One "Link G Suite" attempt. The admin creates it (`link_url` carries a random token whose hash is
/// `id`); the browser opens it once (`start` records the hashes of the signed `state` and of the
/// browser-binding cookie); Google's callback finishes it once. Only hashes are stored: a database
/// reader cannot finish someone else's link.
public struct LinkSession: Sendable, Equatable {
    /// How long a link may wait to be opened, and a started flow to come back.
    public static let lifetime: TimeInterval = 600

    public var id: String
    public var integration: IntegrationName
    public var returnTo: String?
    /// The client that created the link (the audit trail's caller for the browser's steps).
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date
    public var startedAt: Date?
    public var stateHash: String?
    public var browserHash: String?
    public var completedAt: Date?

    public init(id: String, integration: IntegrationName, returnTo: String?, createdBy: String, createdAt: Date, expiresAt: Date,
                startedAt: Date? = nil, stateHash: String? = nil, browserHash: String? = nil, completedAt: Date? = nil) {
        self.id = id
        self.integration = integration
        self.returnTo = returnTo
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.startedAt = startedAt
        self.stateHash = stateHash
        self.browserHash = browserHash
        self.completedAt = completedAt
    }
}

/// How a link ended, as the callback reports it to `return_to` (`result=error&code=…`).
public enum LinkOutcome: String, Sendable, CaseIterable {
    case linked
    case stateInvalid = "state_invalid"
    case stateExpired = "state_expired"
    case accessDenied = "access_denied"
    case accountMismatch = "account_mismatch"
    case missingScopes = "missing_scopes"
    case noRefreshToken = "no_refresh_token"
    case upstreamError = "upstream_error"
}
