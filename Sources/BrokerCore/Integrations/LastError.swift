public import Foundation

/// The most recent failure recorded for an integration: a stable code and a message with no secret in it.
public struct LastError: Sendable, Equatable, Codable {
    public var code: String
    public var message: String
    public var at: Date

    public init(code: String, message: String, at: Date) {
        self.code = code
        self.message = message
        self.at = at
    }
}
