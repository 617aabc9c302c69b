public import BrokerCore
import Foundation

/// Client-credentials tokens from a generic OAuth 2.0 token endpoint (an FMIS, say).
public struct OAuth2TokenClient: Sendable {
    let http: UpstreamHTTPClient

    public init(http: UpstreamHTTPClient) {
        self.http = http
    }

    public func requestToken(_ settings: OAuth2Settings, clientSecret: SecretValue, scopes: [String]? = nil) async throws -> UpstreamResponse {
        var fields: [(String, String)] = [("grant_type", "client_credentials")]
        let requested = scopes ?? settings.scopes
        if !requested.isEmpty { fields.append(("scope", requested.joined(separator: " "))) }
        if let audience = settings.audience { fields.append(("audience", audience)) }
        var headers: [(String, String)] = []
        switch settings.clientAuth {
        case .clientSecretBasic:
            // RFC 6749 §2.3.1: both parts form-encoded before they are joined and base64-encoded.
            let credentials = FormEncoding.escape(settings.clientID) + ":" + FormEncoding.escape(clientSecret.revealUTF8())
            headers.append(("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString()))
        case .clientSecretPost:
            fields += [("client_id", settings.clientID), ("client_secret", clientSecret.revealUTF8())]
        }
        return try await http.send(.form(url: settings.tokenURL, fields: fields, headers: headers))
    }
}

