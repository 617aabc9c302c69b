/// One invalid input, named by its path in the request body (`settings.ews_url`).
public struct FieldError: Sendable, Equatable, Codable {
    public var field: String
    public var message: String
    public var suggestion: String?

    public init(field: String, message: String, suggestion: String? = nil) {
        self.field = field
        self.message = message
        self.suggestion = suggestion
    }
}
