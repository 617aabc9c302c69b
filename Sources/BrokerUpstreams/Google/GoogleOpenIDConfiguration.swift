import Foundation

/// The parts of Google's OpenID discovery document the broker uses.
public struct GoogleOpenIDConfiguration: Sendable, Equatable {
    public let issuer: String
    public let authorizationEndpoint: String
    public let tokenEndpoint: String
    public let revocationEndpoint: String?
    public let jwksURI: String

    init?(_ response: UpstreamResponse) {
        guard response.status == 200, let object = response.jsonObject,
            let issuer = object["issuer"] as? String,
            let authorization = object["authorization_endpoint"] as? String,
            let token = object["token_endpoint"] as? String,
            let jwks = object["jwks_uri"] as? String,
            [authorization, token, jwks].allSatisfy({ $0.hasPrefix("https://") })
        else { return nil }
        self.issuer = issuer
        authorizationEndpoint = authorization
        tokenEndpoint = token
        revocationEndpoint = (object["revocation_endpoint"] as? String).flatMap { $0.hasPrefix("https://") ? $0 : nil }
        jwksURI = jwks
    }
}
