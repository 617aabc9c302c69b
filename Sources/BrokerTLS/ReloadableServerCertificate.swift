import NIOCore
import NIOSSL
import Synchronization

/// The server's certificate chain and key, re-readable while the server runs: every TLS handshake
/// takes the current pair (through NIOSSL's per-handshake context callback), so a renewed
/// certificate is served to new connections after `reload()` and open connections are not dropped.
public final class ReloadableServerCertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let current: Mutex<(chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource)>

    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        current = Mutex(try Self.load(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// Re-reads both files; on any error the pair in use stays and the error is thrown.
    public func reload() throws {
        let fresh = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
        current.withLock { $0 = fresh }
    }

    var pair: (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource) { current.withLock { $0 } }

    /// Installs the per-handshake callback that serves the current pair.
    func install(into configuration: inout TLSConfiguration) {
        configuration.sslContextCallback = { [self] _, promise in
            var override = NIOSSLContextConfigurationOverride()
            let (chain, key) = pair
            override.certificateChain = chain
            override.privateKey = key
            promise.succeed(override)
        }
    }

    private static func load(certificatePath: String, keyPath: String) throws -> (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource) {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        // A key that does not match the chain would fail every handshake: building a context checks
        // the pair, so a bad renewal is refused here and the pair in use stays.
        _ = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        return (chain, .privateKey(key))
    }
}
