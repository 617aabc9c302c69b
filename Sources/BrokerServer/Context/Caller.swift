public import BrokerCore

/// An authenticated client and how it proved who it is. A class: the request context carrying it is
/// copied through every middleware, and one reference is cheaper to copy than the client's fields.
public final class Caller: Sendable {
    /// How the caller authenticated.
    public enum Method: String, Sendable {
        case apiKey = "api_key"
        case mtls
    }

    public let client: Client
    public let method: Method

    public var name: String { client.name }

    public init(client: Client, method: Method) {
        self.client = client
        self.method = method
    }

    /// Throws `forbidden` unless the caller holds `role`.
    public func require(_ role: Role) throws(BrokerError) {
        guard client.roles.contains(role) else {
            throw .forbidden("Client '\(client.name)' lacks the \(role.rawValue) role this endpoint needs.")
        }
    }

    /// Throws `forbidden` unless the caller holds `role` and its patterns reach `name`.
    public func require(_ role: Role, for name: IntegrationName) throws(BrokerError) {
        try require(role)
        guard client.mayReach(name) else {
            throw .forbidden("Client '\(client.name)' may not reach integration '\(name)'.")
        }
    }
}
