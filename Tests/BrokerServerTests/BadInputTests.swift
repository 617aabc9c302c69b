import BrokerTesting
import Foundation
import NIOHTTP1
import Testing

/// One bad request and the answer the contract promises for it.
struct BadInput: Sendable, CustomTestStringConvertible {
    let label: String
    let method: HTTPMethodName
    let path: String
    var contentType: String? = "application/json"
    var body: [UInt8]?
    let status: Int
    let code: String
    var field: String?

    var testDescription: String { label }

    static func json(_ label: String, _ object: Any, method: HTTPMethodName = .post, path: String = "/v1/integrations", status: Int = 422, code: String = "invalid_request", field: String? = nil) -> BadInput {
        BadInput(label: label, method: method, path: path, body: Array(try! JSONSerialization.data(withJSONObject: object)), status: status, code: code, field: field)
    }

    static func raw(_ label: String, _ text: String, method: HTTPMethodName = .post, path: String = "/v1/integrations", contentType: String? = "application/json", status: Int, code: String) -> BadInput {
        BadInput(label: label, method: method, path: path, contentType: contentType, body: Array(text.utf8), status: status, code: code)
    }

    static func replacing(_ base: [String: Any], settings changes: [String: Any?] = [:], secrets: [String: Any]? = nil, top: [String: Any] = [:]) -> [String: Any] {
        var body = base
        var settings = base["settings"] as? [String: Any] ?? [:]
        for (key, value) in changes { settings[key] = value }
        body["settings"] = settings
        if let secrets { body["secrets"] = secrets }
        for (key, value) in top { body[key] = value }
        return body
    }

    static let all: [BadInput] = [
        .raw("malformed JSON", "{\"name\": ", status: 400, code: "invalid_request"),
        .raw("a JSON array", "[1, 2]", status: 400, code: "invalid_request"),
        .raw("an empty body", "", status: 400, code: "invalid_request"),
        .raw("text/plain body", "name=x", contentType: "text/plain", status: 415, code: "unsupported_media_type"),
        .raw("no content type", "{}", contentType: nil, status: 415, code: "unsupported_media_type"),
        BadInput(label: "body over 1 MiB", method: .post, path: "/v1/integrations", body: Array(("{\"name\":\"" + String(repeating: "a", count: 1_100_000) + "\"}").utf8), status: 413, code: "payload_too_large"),
        .json("unknown top-level field", replacing(Samples.oauth2("x"), top: ["colour": "blue"]), field: "colour"),
        .json("name of the wrong type", replacing(Samples.oauth2("x"), top: ["name": 42]), field: "name"),
        .json("name with capitals and spaces", Samples.oauth2("HQ Rooms"), field: "name"),
        .json("name too long", Samples.oauth2(String(repeating: "a", count: 65)), field: "name"),
        .json("unknown kind", replacing(Samples.oauth2("x"), top: ["kind": "fax"]), field: "kind"),
        .json("settings not an object", replacing(Samples.oauth2("x"), top: ["settings": "token_url=https://x"]), field: "settings"),
        .json("unknown settings field", replacing(Samples.oauth2("x"), settings: ["colour": "blue"]), field: "settings.colour"),
        .json("office365 without client_id", replacing(Samples.office365("x"), settings: ["client_id": nil]), field: "settings.client_id"),
        .json("office365 without account for password auth", replacing(Samples.office365("x"), settings: ["account": nil]), field: "settings.account"),
        .json("office365 without its password", replacing(Samples.office365("x"), secrets: [:]), field: "secrets.password"),
        .json("office365 authority over http", replacing(Samples.office365("x"), settings: ["authority": "http://login.example"]), field: "settings.authority"),
        .json("exchange without ews_url", replacing(Samples.exchange("x"), settings: ["ews_url": nil]), field: "settings.ews_url"),
        .json("exchange ews_url over http", replacing(Samples.exchange("x"), settings: ["ews_url": "http://mail.corp.example/EWS/Exchange.asmx"]), field: "settings.ews_url"),
        .json("exchange ews_url with credentials in it", replacing(Samples.exchange("x"), settings: ["ews_url": "https://u:p@mail.corp.example/EWS/Exchange.asmx"]), field: "settings.ews_url"),
        .json("exchange ca_certificate not PEM", replacing(Samples.exchange("x"), settings: ["ca_certificate": "not a certificate"]), field: "settings.ca_certificate"),
        .json("google refresh_token through the API", replacing(Samples.googleOAuth("x"), secrets: ["refresh_token": "1//token"]), field: "secrets.refresh_token"),
        .json("google service account without subject", replacing(Samples.googleServiceAccount("x", keyBody: "QUJD"), settings: ["subject": nil]), field: "settings.subject"),
        .json("google scopes not a list", replacing(Samples.googleOAuth("x"), settings: ["scopes": "calendar"]), field: "settings.scopes"),
        .json("oauth2 without token_url", replacing(Samples.oauth2("x"), settings: ["token_url": nil]), field: "settings.token_url"),
        .json("oauth2 token_url over http", replacing(Samples.oauth2("x"), settings: ["token_url": "http://fmis.example/token"]), field: "settings.token_url"),
        .json("oauth2 unknown client_auth", replacing(Samples.oauth2("x"), settings: ["client_auth": "private_key_jwt"]), field: "settings.client_auth"),
        .json("secret of the wrong type", replacing(Samples.oauth2("x"), secrets: ["client_secret": ["nested": true]]), field: "secrets.client_secret"),
        .json("secret the kind does not use", replacing(Samples.oauth2("x"), secrets: ["client_secret": "s", "password": "p"]), field: "secrets.password"),
        .json("name already taken", Samples.oauth2("seeded"), status: 409, code: "name_taken"),
        .json("patch changing the kind", ["kind": "exchange"], method: .patch, path: "/v1/integrations/seeded", field: "kind"),
        .json("patch changing the name", ["name": "renamed"], method: .patch, path: "/v1/integrations/seeded", field: "name"),
        .json("patch with an unknown settings field", ["settings": ["colour": "blue"]], method: .patch, path: "/v1/integrations/seeded", field: "settings.colour"),
        .json("patch removing a required setting", ["settings": ["token_url": NSNull()]], method: .patch, path: "/v1/integrations/seeded", field: "settings.token_url"),
        .json("patch of an unknown integration", ["display_name": "x"], method: .patch, path: "/v1/integrations/missing", status: 404, code: "integration_not_found"),
        BadInput(label: "get of an unknown integration", method: .get, path: "/v1/integrations/missing", contentType: nil, status: 404, code: "integration_not_found"),
        BadInput(label: "delete of an unknown integration", method: .delete, path: "/v1/integrations/missing", contentType: nil, status: 404, code: "integration_not_found"),
        BadInput(label: "list with limit 0", method: .get, path: "/v1/integrations?limit=0", contentType: nil, status: 422, code: "invalid_request", field: "limit"),
        BadInput(label: "list with limit over 5000", method: .get, path: "/v1/integrations?limit=5001", contentType: nil, status: 422, code: "invalid_request", field: "limit"),
        BadInput(label: "list by an unknown kind", method: .get, path: "/v1/integrations?kind=fax", contentType: nil, status: 422, code: "invalid_request", field: "kind"),
        BadInput(label: "list by an unknown status", method: .get, path: "/v1/integrations?status=sleepy", contentType: nil, status: 422, code: "invalid_request", field: "status"),
        BadInput(label: "list with a forged cursor", method: .get, path: "/v1/integrations?cursor=%21%21", contentType: nil, status: 422, code: "invalid_request", field: "cursor"),
        BadInput(label: "unknown endpoint", method: .get, path: "/v1/nothing-here", contentType: nil, status: 404, code: "not_found"),
    ]
}

@Suite(.serialized) struct BadInputTests {
    /// Every bad request gets its status, a problem document with its stable code, the invalid field
    /// named, and leaves the stored integration exactly as it was.
    @Test(arguments: BadInput.all)
    func badInputGetsAClearProblem(_ input: BadInput) async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("seeded")).status == 201)
            let before = try await session.call(.get, "/v1/integrations/seeded")
            var headers = [("Authorization", "Bearer \(session.key("admin"))")]
            if let contentType = input.contentType { headers.append(("Content-Type", contentType)) }
            let reply = try await session.http.request(input.method.nio, input.path, headers: headers, body: input.body)
            #expect(reply.status == input.status)
            #expect(reply.headers["Content-Type"].first == "application/problem+json")
            #expect(reply.code == input.code)
            #expect(reply.json["status"] as? Int == input.status)
            #expect((reply.json["detail"] as? String)?.isEmpty == false)
            if let field = input.field { #expect(reply.fieldErrors.contains(field), "errors: \(reply.fieldErrors)") }
            let after = try await session.call(.get, "/v1/integrations/seeded")
            #expect(after.text == before.text)
            let all = try await session.call(.get, "/v1/integrations")
            #expect((all.json["integrations"] as? [Any])?.count == 1)
        }
    }

    /// A bad name's error carries a valid name close to it as its suggestion.
    @Test func badNameSuggestsAValidOne() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            let reply = try await session.call(.post, "/v1/integrations", body: Samples.oauth2("HQ Rooms (Berlin)"))
            #expect(reply.status == 422)
            let errors = reply.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.first { $0["field"] as? String == "name" }?["suggestion"] as? String == "hq-rooms-berlin")
        }
    }
}
