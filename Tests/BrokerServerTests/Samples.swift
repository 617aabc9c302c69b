import BrokerTesting
import Foundation

/// Valid create bodies for each kind, with secret values the caller chooses (canaries in leak tests).
enum Samples {
    static let clientID = "11111111-2222-3333-4444-555555555555"

    /// A PEM private key whose base64 body is `body`: shaped like a key, planted like a canary.
    static func privateKeyPEM(_ body: String) -> String { TestPEM.privateKey(body) }

    static func office365(_ name: String, password: String = "pw-office") -> [String: Any] {
        ["name": name, "kind": "office365", "display_name": "Head office rooms",
         "settings": ["account": "rooms@corp.example", "client_id": clientID],
         "secrets": ["password": password]]
    }

    static func office365Certificate(_ name: String, keyBody: String) -> [String: Any] {
        ["name": name, "kind": "office365",
         "settings": ["account": "rooms@corp.example", "client_id": clientID, "auth": "certificate",
                      "certificate": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"],
         "secrets": ["private_key": privateKeyPEM(keyBody)]]
    }

    static func exchange(_ name: String, password: String = "pw-exchange") -> [String: Any] {
        ["name": name, "kind": "exchange",
         "settings": ["ews_url": "https://mail.corp.example/EWS/Exchange.asmx", "account": "rooms@corp.example", "username": "CORP\\rooms"],
         "secrets": ["password": password]]
    }

    static func googleOAuth(_ name: String) -> [String: Any] {
        ["name": name, "kind": "google", "settings": ["allowed_domain": "corp.example", "expected_account": "rooms@corp.example"]]
    }

    static func googleServiceAccount(_ name: String, keyBody: String) -> [String: Any] {
        ["name": name, "kind": "google",
         "settings": ["auth": "service_account", "client_email": "broker@project.iam.gserviceaccount.com", "subject": "rooms-admin@corp.example"],
         "secrets": ["private_key": privateKeyPEM(keyBody)]]
    }

    static func oauth2(_ name: String, clientSecret: String = "cs-fmis") -> [String: Any] {
        ["name": name, "kind": "oauth2",
         "settings": ["token_url": "https://fmis.example/oauth/token", "client_id": "credbroker", "scopes": ["rooms.read"]],
         "secrets": ["client_secret": clientSecret]]
    }
}
