public import NIOSSL

/// Builds the server's TLS configuration from PEM files: TLS 1.2 at least, and client certificates
/// requested (verified against `clientCAPath` when presented) only when a client CA is configured.
public enum ServerTLSFiles {
    public static func configuration(certificatePath: String, keyPath: String, clientCAPath: String?) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAPath {
            // Browser endpoints have no client certificate, so one is optional; one that is presented
            // must chain to the client CA or the handshake fails.
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCAPath))
            configuration.certificateVerification = .optionalVerification
        }
        return configuration
    }
}
