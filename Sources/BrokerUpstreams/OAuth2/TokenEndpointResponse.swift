import Foundation

/// A successful token endpoint answer (RFC 6749 §5.1); the token itself is kept only by the caller.
public struct TokenEndpointResponse: Sendable {
    public let accessToken: String
    public let tokenType: String
    public let expiresIn: Int
    public let scope: String?
    public let refreshToken: String?

    public init?(_ response: UpstreamResponse) {
        guard (200..<300).contains(response.status), let object = response.jsonObject,
            let accessToken = object["access_token"] as? String, !accessToken.isEmpty
        else { return nil }
        self.accessToken = accessToken
        tokenType = object["token_type"] as? String ?? "Bearer"
        expiresIn = (object["expires_in"] as? Int) ?? Int(object["expires_in"] as? String ?? "") ?? 3600
        scope = object["scope"] as? String
        refreshToken = object["refresh_token"] as? String
    }
}
