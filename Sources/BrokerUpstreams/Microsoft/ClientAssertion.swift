public import BrokerCore
import Crypto
public import Foundation
import JWTKit

/// The signed JWT an app presents instead of a client secret (RFC 7523): PS256 with the certificate's
/// SHA-256 thumbprint in `x5t#S256`, as Microsoft's current documentation asks, valid 10 minutes.
public enum ClientAssertion {
    struct Claims: JWTPayload {
        let aud: AudienceClaim
        let iss: IssuerClaim
        let sub: SubjectClaim
        let jti: IDClaim
        let nbf: NotBeforeClaim
        let iat: IssuedAtClaim
        let exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Signs an assertion for `clientID` at `tokenEndpoint` with the PEM private key matching `certificatePEM`.
    public static func make(clientID: String, tokenEndpoint: String, certificatePEM: String, privateKey: SecretValue, now: Date = Date()) async throws -> String {
        guard let der = firstCertificateDER(certificatePEM) else { throw UpstreamError.unusableCredentials("the certificate is not PEM") }
        let key: JWTKit.Insecure.RSA.PrivateKey
        do {
            key = try JWTKit.Insecure.RSA.PrivateKey(pem: privateKey.revealUTF8())
        } catch {
            throw UpstreamError.unusableCredentials("the private key is not an RSA key in PEM (PKCS#8 or PKCS#1)")
        }
        let keys = await JWTKeyCollection().add(pss: key, digestAlgorithm: .sha256)
        var header = JWTHeader()
        header.typ = "JWT"
        header.x5tS256 = Base64URL.encode(Array(SHA256.hash(data: der)))
        let claims = Claims(
            aud: .init(value: [tokenEndpoint]), iss: .init(value: clientID), sub: .init(value: clientID), jti: .init(value: UUID().uuidString.lowercased()),
            nbf: .init(value: now), iat: .init(value: now), exp: .init(value: now.addingTimeInterval(600)))
        return try await keys.sign(claims, header: header)
    }

    /// The DER bytes of the first CERTIFICATE block of a PEM text.
    public static func firstCertificateDER(_ pem: String) -> [UInt8]? {
        guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"), let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex) else { return nil }
        let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map(Array.init)
    }

}
