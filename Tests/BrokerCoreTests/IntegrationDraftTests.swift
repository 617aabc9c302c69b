import BrokerCore
import BrokerTesting
import Foundation
import Testing

private func parse(_ json: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
}

private func fieldErrors(_ json: String) throws -> [String] {
    let body = try parse(json)
    do {
        _ = try IntegrationDraft.parse(body)
        return []
    } catch {
        return error.fieldErrors.map(\.field)
    }
}

@Suite struct IntegrationDraftTests {
    static let clientID = "11111111-2222-3333-4444-555555555555"

    /// A valid body of each kind parses, with defaults filled in.
    @Test func parsesEveryKindWithDefaults() throws {
        let office = try IntegrationDraft.parse(try parse(#"{"name":"hq","kind":"office365","settings":{"account":"rooms@corp.example","client_id":"\#(Self.clientID)"},"secrets":{"password":"pw"}}"#))
        guard case .office365(let settings) = office.settings else { Issue.record("wrong kind"); return }
        #expect(settings.tenant == "corp.example")
        #expect(settings.auth == .password)
        #expect(settings.scopes == Office365Settings.defaultScopes)

        let exchange = try IntegrationDraft.parse(try parse(#"{"name":"ex","kind":"exchange","settings":{"ews_url":"https://mail.corp.example/EWS/Exchange.asmx","account":"rooms@corp.example","username":"CORP\\rooms"},"secrets":{"password":"pw"}}"#))
        guard case .exchange(let exchangeSettings) = exchange.settings else { Issue.record("wrong kind"); return }
        #expect(exchangeSettings.auth == .ntlm)

        let google = try IntegrationDraft.parse(try parse(#"{"name":"g","kind":"google","settings":{"allowed_domain":"corp.example"}}"#))
        #expect(google.secrets.isEmpty)
        #expect(Integration.initialStatus(for: google.settings, hasRefreshToken: false) == .unlinked)

        let oauth = try IntegrationDraft.parse(try parse(#"{"name":"fmis","kind":"oauth2","settings":{"token_url":"https://fmis.example/token","client_id":"broker"},"secrets":{"client_secret":"s"}}"#))
        guard case .oauth2(let oauthSettings) = oauth.settings else { Issue.record("wrong kind"); return }
        #expect(oauthSettings.clientAuth == .clientSecretBasic)
    }

    /// Each invalid input is reported under its own field, all at once.
    @Test(arguments: [
        (#"{"name":"Bad Name","kind":"oauth2","settings":{"token_url":"https://x.example/t","client_id":"c"},"secrets":{"client_secret":"s"}}"#, "name"),
        (#"{"name":"n","kind":"fax","settings":{}}"#, "kind"),
        (#"{"name":"n","kind":"oauth2","settings":{"token_url":"http://x.example/t","client_id":"c"},"secrets":{"client_secret":"s"}}"#, "settings.token_url"),
        (#"{"name":"n","kind":"oauth2","settings":{"client_id":"c"},"secrets":{"client_secret":"s"}}"#, "settings.token_url"),
        (#"{"name":"n","kind":"oauth2","settings":{"token_url":"https://x.example/t","client_id":"c"}}"#, "secrets.client_secret"),
        (#"{"name":"n","kind":"oauth2","extra":1,"settings":{"token_url":"https://x.example/t","client_id":"c"},"secrets":{"client_secret":"s"}}"#, "extra"),
        (#"{"name":"n","kind":"office365","settings":{"account":"not-an-email","client_id":"\#(clientID)"},"secrets":{"password":"p"}}"#, "settings.account"),
        (#"{"name":"n","kind":"office365","settings":{"account":"a@corp.example","client_id":"nope"},"secrets":{"password":"p"}}"#, "settings.client_id"),
        (#"{"name":"n","kind":"office365","settings":{"account":"a@corp.example","client_id":"\#(clientID)","auth":"certificate"},"secrets":{"private_key":"\#(TestPEM.privateKeyJSON("AAAA"))"}}"#, "settings.certificate"),
        (#"{"name":"n","kind":"office365","settings":{"account":"a@corp.example","client_id":"\#(clientID)","tenant":"common"},"secrets":{"password":"p"}}"#, "settings.tenant"),
        (#"{"name":"n","kind":"exchange","settings":{"ews_url":"https://mail.example/EWS/Exchange.asmx","account":"a@corp.example","auth":"kerberos"},"secrets":{"password":"p"}}"#, "settings.auth"),
        (#"{"name":"n","kind":"exchange","settings":{"ews_url":"https://mail.example/EWS/Exchange.asmx","account":"a@corp.example","username":"a b"},"secrets":{"password":"p"}}"#, "settings.username"),
        (#"{"name":"n","kind":"google","settings":{},"secrets":{"refresh_token":"r"}}"#, "secrets.refresh_token"),
        (#"{"name":"n","kind":"google","settings":{"auth":"service_account","client_email":"sa@p.iam.gserviceaccount.com"},"secrets":{"private_key":"\#(TestPEM.privateKeyJSON("AAAA"))"}}"#, "settings.subject"),
        (#"{"name":"n","kind":"google","settings":{"auth":"service_account","client_email":"sa@p.iam.gserviceaccount.com","subject":"admin@corp.example"},"secrets":{"private_key":"not pem"}}"#, "secrets.private_key"),
        (#"{"name":"n","kind":"google","settings":{"expected_account":"jane@gmail.com","allowed_domain":"corp.example"}}"#, "settings.expected_account"),
        (#"{"name":"n","kind":"oauth2","settings":{"token_url":"https://x.example/t","client_id":"c","scopes":"read"},"secrets":{"client_secret":"s"}}"#, "settings.scopes"),
        (#"{"name":"n","kind":"oauth2","settings":{"token_url":"https://x.example/t","client_id":"c"},"secrets":{"client_secret":42}}"#, "secrets.client_secret"),
        (#"{"name":"n","kind":"oauth2","settings":{"token_url":"https://x.example/t","client_id":"c"},"secrets":{"password":"p","client_secret":"s"}}"#, "secrets.password"),
    ])
    func reportsEachInvalidField(_ body: String, _ field: String) throws {
        #expect(try fieldErrors(body).contains(field))
    }

    /// A bad name's error suggests a valid name close to it.
    @Test func badNameCarriesASuggestion() throws {
        let body = try parse(#"{"name":"HQ Rooms","kind":"google","settings":{}}"#)
        do {
            _ = try IntegrationDraft.parse(body)
            Issue.record("accepted a bad name")
        } catch {
            #expect(error.status == 422)
            #expect(error.fieldErrors.first { $0.field == "name" }?.suggestion == "hq-rooms")
        }
    }
}

@Suite struct IntegrationPatchTests {
    static func stored() throws -> Integration {
        let draft = try IntegrationDraft.parse(try JSONDecoder().decode(JSONValue.self, from: Data(#"{"name":"hq","kind":"office365","settings":{"account":"rooms@corp.example","client_id":"11111111-2222-3333-4444-555555555555"},"secrets":{"password":"pw"}}"#.utf8)))
        return Integration(
            name: draft.name, displayName: nil, settings: draft.settings,
            secrets: [.password: SecretMetadata(updatedAt: Date(), keyVersion: 1)], status: .ok, createdAt: Date(), updatedAt: Date())
    }

    /// Switching to client-secret sign-in needs the new secret and drops the password.
    @Test func switchingAuthNeedsTheNewSecretAndDropsTheOld() throws {
        let current = try Self.stored()
        let withoutSecret = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"settings":{"auth":"client_secret"}}"#.utf8))
        #expect(throws: BrokerError.self) { try IntegrationPatch.parse(withoutSecret, current: current).apply(to: current) }

        let withSecret = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"settings":{"auth":"client_secret"},"secrets":{"client_secret":"s"}}"#.utf8))
        let outcome = try IntegrationPatch.parse(withSecret, current: current).apply(to: current)
        #expect(outcome.removedSecrets == [.password])
        #expect(outcome.credentialsChanged)
    }

    /// The name and kind cannot be changed by a patch.
    @Test func nameAndKindAreImmutable() throws {
        let current = try Self.stored()
        for body in [#"{"name":"other"}"#, #"{"kind":"exchange"}"#] {
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
            #expect(throws: BrokerError.self) { try IntegrationPatch.parse(json, current: current) }
        }
    }

    /// Changing only the display name is not a credential change.
    @Test func displayNameAloneKeepsCredentials() throws {
        let current = try Self.stored()
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"display_name":"Head office"}"#.utf8))
        let outcome = try IntegrationPatch.parse(json, current: current).apply(to: current)
        #expect(!outcome.credentialsChanged)
        #expect(outcome.displayName == "Head office")
    }
}
