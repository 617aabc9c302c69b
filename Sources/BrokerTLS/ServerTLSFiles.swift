public import NIOSSL

/// Builds the server's TLS configuration from PEM files: TLS 1.2 at least with forward-secret AEAD
/// suites only, and client certificates requested (verified against `clientCAPath` when presented)
/// only when a client CA is configured.
public enum ServerTLSFiles {
    /// TLS 1.2 suites: ECDHE with AES-GCM or ChaCha20-Poly1305 — Mozilla's "intermediate" list. The
    /// library default also offers AES-CBC with SHA-1, which scanners rightly flag. TLS 1.3 suites
    /// are all AEAD and are not affected by this list.
    public static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// With `certificate`, each handshake serves its current pair, so `certificate.reload()` takes effect
    /// for new connections without a restart.
    public static func configuration(certificate: ReloadableServerCertificate, clientCAPath: String?) throws -> TLSConfiguration {
        let (chain, key) = certificate.pair
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        certificate.install(into: &configuration)
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = tls12CipherSuites
        if let clientCAPath {
            // Browser endpoints have no client certificate, so one is optional; one that is presented
            // must chain to the client CA or the handshake fails.
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCAPath))
            configuration.certificateVerification = .optionalVerification
        }
        return configuration
    }
}
