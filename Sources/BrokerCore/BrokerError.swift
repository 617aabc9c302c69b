/// Every failure the broker reports to a caller: a stable snake_case `code` (also the only metric
/// label), the HTTP status, and a message that says what to do. Never carries a secret value.
public struct BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case validationFailed = "validation_failed"
        case integrationNotFound = "integration_not_found"
        case nameTaken = "name_taken"
        case conflict
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case payloadTooLarge = "payload_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case keyVersionUnavailable = "key_version_unavailable"
        case notReady = "not_ready"
        case internalError = "internal_error"
        case wrongKind = "wrong_kind"
        case upstreamUnavailable = "upstream_unavailable"
        case upstreamTimeout = "upstream_timeout"
        case upstreamRefused = "upstream_refused"
        case scopeNotAllowed = "scope_not_allowed"
        case minTTLUnattainable = "min_ttl_unattainable"
        case credentialsRejected = "credentials_rejected"
        case needsRelink = "needs_relink"
        case googleNotConfigured = "google_not_configured"
        case rateLimited = "rate_limited"
        case storeUnavailable = "store_unavailable"
        case requestTimeout = "request_timeout"
    }

    private let value: Code
    /// What went wrong and how to remedy it, for people; safe to show.
    public let message: String
    /// One entry per invalid input, for 422 answers.
    public let fieldErrors: [FieldError]

    private init(_ value: Code, _ message: String, fieldErrors: [FieldError] = []) {
        self.value = value
        self.message = message
        self.fieldErrors = fieldErrors
    }

    /// The API's stable code. Invalid input shares `invalid_request` with a malformed body; the 422
    /// status and the per-field `errors` tell them apart.
    public var code: String {
        value == .validationFailed ? Code.invalidRequest.rawValue : value.rawValue
    }

    public var status: Int {
        switch value {
        case .invalidRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .integrationNotFound, .notFound: 404
        case .methodNotAllowed: 405
        case .nameTaken, .conflict: 409
        case .requestTimeout: 408
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .validationFailed: 422
        case .keyVersionUnavailable, .internalError: 500
        case .notReady, .upstreamUnavailable, .googleNotConfigured, .storeUnavailable: 503
        case .wrongKind: 409
        case .upstreamTimeout: 504
        case .upstreamRefused, .credentialsRejected, .needsRelink: 502
        case .scopeNotAllowed: 403
        case .rateLimited: 429
        case .minTTLUnattainable: 422
        }
    }

    public var title: String {
        switch value {
        case .invalidRequest: "Invalid request"
        case .validationFailed: "Invalid input"
        case .integrationNotFound: "Integration not found"
        case .nameTaken: "Name taken"
        case .conflict: "Conflicting change"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "Not found"
        case .methodNotAllowed: "Method not allowed"
        case .payloadTooLarge: "Payload too large"
        case .unsupportedMediaType: "Unsupported media type"
        case .keyVersionUnavailable: "Key version unavailable"
        case .notReady: "Not ready"
        case .internalError: "Internal error"
        case .wrongKind: "Wrong kind of integration"
        case .upstreamUnavailable: "Upstream unavailable"
        case .upstreamTimeout: "Upstream timeout"
        case .upstreamRefused: "Upstream refused"
        case .scopeNotAllowed: "Scope not allowed"
        case .minTTLUnattainable: "Minimum lifetime unattainable"
        case .credentialsRejected: "Credentials rejected"
        case .needsRelink: "Needs relink"
        case .googleNotConfigured: "Google is not configured"
        case .rateLimited: "Too many requests"
        case .storeUnavailable: "Database unavailable"
        case .requestTimeout: "Request timeout"
        }
    }

    public var description: String { "\(code): \(message)" }

    public static func invalidRequest(_ message: String) -> Self { .init(.invalidRequest, message) }
    public static func rateLimited(_ message: String) -> Self { .init(.rateLimited, message) }
    public static var googleNotConfigured: Self {
        .init(.googleNotConfigured, "Link G Suite needs the platform's Google OAuth client: ops must set CREDBROKER_GOOGLE_CLIENT_ID and CREDBROKER_GOOGLE_CLIENT_SECRET_FILE.")
    }
    public static func validationFailed(_ errors: [FieldError]) -> Self {
        let summary = errors.prefix(3).map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        return .init(.validationFailed, errors.count > 3 ? "\(summary); and \(errors.count - 3) more." : "\(summary).", fieldErrors: errors)
    }
    public static func integrationNotFound(_ name: String) -> Self {
        .init(.integrationNotFound, "No integration is named '\(name)'.")
    }
    public static func nameTaken(_ name: IntegrationName) -> Self {
        .init(.nameTaken, "An integration named '\(name)' already exists; names are unique and cannot be reused while it exists.")
    }
    public static func conflict(_ message: String) -> Self { .init(.conflict, message) }
    public static func unauthorized(_ message: String = "Send an API key as 'Authorization: Bearer <key>' or a registered client certificate.") -> Self {
        .init(.unauthorized, message)
    }
    public static func forbidden(_ message: String) -> Self { .init(.forbidden, message) }
    public static func notFound(_ message: String = "There is nothing at this path.") -> Self { .init(.notFound, message) }
    public static func methodNotAllowed(_ message: String) -> Self { .init(.methodNotAllowed, message) }
    public static func payloadTooLarge(limit: Int) -> Self {
        .init(.payloadTooLarge, "The request body is larger than the \(limit / 1024 / 1024) MiB this endpoint accepts.")
    }
    public static func unsupportedMediaType(expected: String) -> Self {
        .init(.unsupportedMediaType, "Send the body as \(expected).")
    }
    public static func keyVersionUnavailable(_ version: UInt32) -> Self {
        .init(.keyVersionUnavailable, "A secret is sealed under key version \(version), which this server has not loaded; add that key to the keyring (see `credbroker keys status`).")
    }
    public static func notReady(_ message: String) -> Self { .init(.notReady, message) }
    /// The database could not be reached in time (PostgreSQL down or unreachable).
    public static func storeUnavailable(_ message: String) -> Self { .init(.storeUnavailable, message) }
    /// The client took too long to send its request.
    public static func requestTimeout(_ message: String) -> Self { .init(.requestTimeout, message) }
    /// Whether this is `store_unavailable`, where a cache may answer in the store's place.
    public var isStoreUnavailable: Bool { value == .storeUnavailable }
    public static func notLinkable(_ name: IntegrationName, kind: IntegrationKind) -> Self {
        .init(.wrongKind, "Only google integrations with auth \"oauth\" are linked; '\(name)' is \(kind.rawValue)\(kind == .google ? " with a service account" : "").")
    }
    public static func wrongKind(_ name: IntegrationName, is kind: IntegrationKind, needs expected: IntegrationKind) -> Self {
        .init(.wrongKind, "'\(name)' is a \(kind.rawValue) integration; this endpoint is for \(expected.rawValue) integrations.")
    }
    public static func upstreamUnavailable(_ message: String) -> Self { .init(.upstreamUnavailable, message) }
    public static func upstreamTimeout(_ message: String) -> Self { .init(.upstreamTimeout, message) }
    /// The provider could not be called safely (TLS failed, or the target is refused); retrying will not help.
    public static func upstreamRefused(_ message: String) -> Self { .init(.upstreamRefused, message) }
    public static func scopeNotAllowed(_ scope: String, integration: IntegrationName) -> Self {
        .init(.scopeNotAllowed, "'\(integration)' is not configured for the scope '\(scope)'; ask for a subset of its scopes.")
    }
    public static func minTTLUnattainable(requested: Int, lifetime: Int) -> Self {
        .init(.minTTLUnattainable, "A token that lives at least \(requested) s cannot be had: this provider's tokens live about \(lifetime) s.")
    }
    public static func credentialsRejected(_ message: String) -> Self { .init(.credentialsRejected, message) }
    public static func needsRelink(_ message: String) -> Self { .init(.needsRelink, message) }
    public static func internalError(_ message: String = "The broker failed unexpectedly; the request had no effect. Details are in the server log.") -> Self {
        .init(.internalError, message)
    }
}
