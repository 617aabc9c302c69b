public import NIOSSL

/// Builds the server's TLS configuration from PEM files: TLS 1.2 at least, and client certificates
/// requested (verified against `clientCAPath` when presented) only when a client CA is configured.
public enum ServerTLSFiles {
    /// With `certificate`, each handshake serves its current pair, so `certificate.reload()` takes effect
    /// for new connections without a restart.
    public static func configuration(certificate: ReloadableServerCertificate, clientCAPath: String?) throws -> TLSConfiguration {
        let (chain, key) = certificate.pair
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        certificate.install(into: &configuration)
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
