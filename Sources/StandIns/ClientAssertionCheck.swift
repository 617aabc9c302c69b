import Crypto
import Foundation
import JWTKit

/// How the Microsoft stand-in checks a client assertion, as Entra ID does: PS256 or RS256 signature by
/// the uploaded certificate, its thumbprint in the header, `iss` = `sub` = client ID, `aud` = this
/// tenant's token endpoint, not expired.
enum ClientAssertionCheck {
    struct Claims: JWTPayload {
        let aud: AudienceClaim
        let iss: IssuerClaim
        let sub: SubjectClaim
        let exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    static func isValid(_ assertion: String, certificatePEM: String, clientID: String, tenant: String) async -> Bool {
        guard let header = header(of: assertion), let der = certificateDER(certificatePEM) else { return false }
        let thumbprint = Data(SHA256.hash(data: der)).base64URL
        guard header["x5t#S256"] as? String == thumbprint else { return false }
        do {
            let key = try JWTKit.Insecure.RSA.PublicKey(certificatePEM: certificatePEM)
            let keys = JWTKeyCollection()
            switch header["alg"] as? String {
            case "PS256": await keys.add(pss: key, digestAlgorithm: .sha256)
            case "RS256": await keys.add(rsa: key, digestAlgorithm: .sha256)
            default: return false
            }
            let claims = try await keys.verify(assertion, as: Claims.self)
            return claims.iss.value == clientID && claims.sub.value == clientID
                && claims.aud.value.contains { $0.hasSuffix("/\(tenant)/oauth2/v2.0/token") }
        } catch {
            return false
        }
    }

    private static func header(of token: String) -> [String: Any]? {
        guard let data = StandInHTTP.jwtPart(token, 0) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    private static func certificateDER(_ pem: String) -> Data? {
        guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"), let end = pem.range(of: "-----END CERTIFICATE-----") else { return nil }
        return Data(base64Encoded: String(pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }))
    }
}
