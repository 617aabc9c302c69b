import Foundation

/// What the Google stand-in remembers: accounts, registered redirect URIs, codes and grants.
struct GoogleStandInState {
    /// An authorization code waiting to be exchanged once.
    struct Code {
        var account: String
        var scopes: [String]
        var redirectURI: String
        var challenge: String
        var offline: Bool
        var used = false
    }

    /// A refresh token's grant.
    struct Grant {
        var account: String
        var scopes: [String]
        var revoked = false
    }

    /// An access token: whose, for what, until when.
    struct AccessGrant {
        var account: String
        var scopes: [String]
        var expiresAt: Date
        var refreshToken: String?
    }

    var accounts: [GoogleStandIn.Account]
    /// Room calendar id → accounts that may read it.
    var rooms: [String: Set<String>]
    var signingKeys: [GoogleSigningKey]
    var redirectURIs: Set<String> = []
    var serviceAccounts: [String: GoogleStandIn.ServiceAccount] = [:]
    var behaviour = GoogleStandIn.Behaviour()
    var codes: [String: Code] = [:]
    var refreshTokens: [String: Grant] = [:]
    var accessTokens: [String: AccessGrant] = [:]
    var lastAuthorizationRequest: [String: String] = [:]
    var lastRedirect: String?

    init(accounts: [GoogleStandIn.Account], rooms: [String: Set<String>], signingKeys: [GoogleSigningKey]) {
        self.accounts = accounts
        self.rooms = rooms
        self.signingKeys = signingKeys
    }

    func account(_ email: String) -> GoogleStandIn.Account? {
        accounts.first { $0.email.caseInsensitiveCompare(email) == .orderedSame }
    }
}
