public import Foundation

/// Something that will break before it breaks, shown with the integration.
public struct IntegrationWarning: Sendable, Equatable, Codable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

extension IntegrationWarning {
    /// How long before an expiry the warning appears.
    public static let expiryNotice: TimeInterval = 30 * 24 * 3600

    /// `<code>_expired` when past, `<code>_expiring` within the notice period, nothing otherwise.
    static func expiry(of subject: String, code: String, at date: Date, now: Date, remedy: String) -> [IntegrationWarning] {
        let day = date.formatted(Date.ISO8601FormatStyle().year().month().day())
        if date <= now {
            return [IntegrationWarning(code: "\(code)_expired", message: "\(subject) expired on \(day); \(remedy).")]
        }
        if date.timeIntervalSince(now) <= expiryNotice {
            return [IntegrationWarning(code: "\(code)_expiring", message: "\(subject) expires on \(day); \(remedy) before then.")]
        }
        return []
    }
}
