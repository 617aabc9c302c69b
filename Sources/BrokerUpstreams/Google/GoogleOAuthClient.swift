public import BrokerCore

/// The platform's Google OAuth client (Cloud Console "Web application"): the identity every link,
/// refresh and revocation presents to Google.
public struct GoogleOAuthClient: Sendable {
    public let clientID: String
    public let clientSecret: SecretValue

    public init(clientID: String, clientSecret: SecretValue) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}
