/// Who linked: the verified claims of the ID token the code exchange returned.
public struct GoogleIdentity: Sendable, Equatable {
    /// Google's stable account id (emails can change; `sub` never does).
    public let subject: String
    public let email: String
    /// The Workspace domain; nil for a personal account such as @gmail.com.
    public let hostedDomain: String?

    public init(subject: String, email: String, hostedDomain: String?) {
        self.subject = subject
        self.email = email
        self.hostedDomain = hostedDomain
    }
}

/// Why an ID token was not accepted.
public enum GoogleIDTokenError: Error, Sendable, Equatable {
    /// The signature, issuer, audience, expiry or `email_verified` did not check out.
    case invalid(String)
    /// Discovery or the JWKS could not be fetched.
    case unavailable(String)
}
