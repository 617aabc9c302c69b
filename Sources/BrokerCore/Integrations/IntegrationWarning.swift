/// Something that will break before it breaks, shown with the integration.
public struct IntegrationWarning: Sendable, Equatable, Codable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
