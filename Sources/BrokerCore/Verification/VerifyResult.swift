public import Foundation

/// The answer of "Verify with …": whether the credentials work and, when not, what a person must do.
/// `fields` maps each input the check covered to `ok`, `invalid` or `unchecked`, so a portal can
/// colour each box.
public struct VerifyResult: Sendable, Equatable {
    /// What the provider said, for support (never a secret).
    public struct Upstream: Sendable, Equatable {
        public var status: Int?
        public var error: String?
        public var errorCodes: [Int]

        public init(status: Int?, error: String? = nil, errorCodes: [Int] = []) {
            self.status = status
            self.error = error
            self.errorCodes = errorCodes
        }
    }

    public var ok: Bool
    public var code: VerifyCode
    public var message: String
    public var hint: String?
    public var fields: [String: String]
    public var upstream: Upstream?
    public var checkedAt: Date
    /// With rooms asked for: each room's mailbox → `ok`, `no_access` or `not_found`.
    public var rooms: [String: RoomAccess]?

    public init(code: VerifyCode, message: String, hint: String? = nil, fields: [String: String] = [:], upstream: Upstream? = nil, checkedAt: Date) {
        self.ok = code == .ok
        self.code = code
        self.message = message
        self.hint = hint
        self.fields = fields
        self.upstream = upstream
        self.checkedAt = checkedAt
    }

    /// The status an integration takes after this verification.
    public var resultingStatus: IntegrationStatus {
        if ok { return .ok }
        return code.isTransient ? .failing : .needsAttention
    }
}

/// The stable verify codes of the contract.
public enum VerifyCode: String, Sendable, CaseIterable, Codable {
    case ok
    case invalidCredentials = "invalid_credentials"
    case mfaRequired = "mfa_required"
    case accountLocked = "account_locked"
    case accountDisabled = "account_disabled"
    case passwordExpired = "password_expired"
    case accountNotFound = "account_not_found"
    case publicClientFlowsDisabled = "public_client_flows_disabled"
    case consentRequired = "consent_required"
    case tenantNotFound = "tenant_not_found"
    case invalidClient = "invalid_client"
    case clientSecretExpired = "client_secret_expired"
    case conditionalAccessBlocked = "conditional_access_blocked"
    case ewsURLNotFound = "ews_url_not_found"
    case tlsError = "tls_error"
    case unreachable
    case timeout
    case throttled
    case upstreamError = "upstream_error"
    case notLinked = "not_linked"
    case needsRelink = "needs_relink"

    /// Trouble that may pass by itself (the integration shows `failing`, not `needs_attention`).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timeout, .throttled, .upstreamError: true
        default: false
        }
    }
}

/// Whether the verified account can read a room's calendar.
public enum RoomAccess: String, Sendable, Codable {
    case ok
    case noAccess = "no_access"
    case notFound = "not_found"
}
