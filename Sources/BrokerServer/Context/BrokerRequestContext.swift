import BrokerCore
public import Hummingbird
public import NIOCore

/// The per-request context: the connection (for the TLS client certificate) and, once
/// `ClientAuthenticator` ran, the caller.
public struct BrokerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil in router-only tests, where there is no connection.
    public let channel: (any Channel)?
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The API's own limit is enforced where bodies are read; this is the framework's hard ceiling.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }

    /// The authenticated caller; routes under `/v1` always have one.
    public func requireCaller() throws -> Caller {
        guard let caller else { throw BrokerErrorResponse(.unauthorized()) }
        return caller
    }
}
