import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A connection the test drives byte by byte (optionally over TLS): to play slow, silent and
/// oversized clients that an HTTP client library would never be.
public final class RawConnection: Sendable {
    private let channel: any Channel
    private let inbound: Inbound

    /// Connects to 127.0.0.1:`port`; with `trustingCAPEM`, over TLS (the handshake starts at once).
    public static func open(port: Int, trustingCAPEM caPEM: String? = nil) async throws -> RawConnection {
        let inbound = Inbound()
        let context = try caPEM.map { pem in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            return try NIOSSLContext(configuration: tls)
        }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(inbound)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, inbound: inbound)
    }

    private init(channel: any Channel, inbound: Inbound) {
        self.channel = channel
        self.inbound = inbound
    }

    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Whether the server has closed the connection.
    public var isClosed: Bool { !channel.isActive }

    /// Everything received so far, as text.
    public var received: String { inbound.text }

    /// Waits up to `limit` for the server to close the connection; returns whether it did.
    public func waitUntilClosed(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if isClosed { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return isClosed
    }

    public func close() async {
        try? await channel.close().get()
    }
}

private final class Inbound: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let bytes = Mutex<[UInt8]>([])

    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
