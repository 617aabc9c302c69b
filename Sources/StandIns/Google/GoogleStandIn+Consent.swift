import Foundation
import Hummingbird
import Synchronization

/// The browser half of the stand-in: the consent page and the redirect back with a code.
extension GoogleStandIn {
    func authorize(_ request: Request) throws -> Response {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        state.withLock { $0.lastAuthorizationRequest = query }
        control.record("/o/oauth2/v2/auth", body: "")
        // Like Google: problems with the client or redirect URI are shown to the user, never redirected.
        guard query["client_id"] == clientID else { return Self.page(title: "Error 401: invalid_client", body: "<p>The OAuth client was not found.</p>", status: .unauthorized) }
        guard let redirectURI = query["redirect_uri"], state.withLock({ $0.redirectURIs.contains(redirectURI) }) else {
            return Self.page(title: "Error 400: redirect_uri_mismatch", body: "<p>The redirect URI in the request does not match the ones authorized for the OAuth client.</p>", status: .badRequest)
        }
        guard query["response_type"] == "code", query["code_challenge_method"] == "S256", let challenge = query["code_challenge"], challenge.count == 43,
            let scope = query["scope"], !scope.isEmpty
        else {
            return Self.page(title: "Error 400: invalid_request", body: "<p>Required parameter is missing or invalid (response_type=code, scope, PKCE S256).</p>", status: .badRequest)
        }
        let accounts = state.withLock { $0.accounts }
        let hint = query["login_hint"]?.lowercased()
        let scopes = scope.split(separator: " ").map(String.init)
        var html = "<form method=\"post\" action=\"/o/oauth2/v2/approve\">"
        for name in ["redirect_uri", "state", "code_challenge", "access_type"] {
            html += "<input type=\"hidden\" name=\"\(name)\" value=\"\(Self.escape(query[name] ?? ""))\">"
        }
        html += "<fieldset><legend>Choose an account</legend>"
        for (index, account) in accounts.enumerated() {
            let checked = hint.map { $0 == account.email.lowercased() } ?? (index == 0)
            let id = "account-\(index)"
            html += "<div><input type=\"radio\" name=\"account\" id=\"\(id)\" value=\"\(Self.escape(account.email))\"\(checked ? " checked" : "")><label for=\"\(id)\">\(Self.escape(account.email))</label></div>"
        }
        html += "</fieldset><fieldset><legend>credbroker wants to</legend>"
        for (index, scope) in scopes.enumerated() {
            let id = "scope-\(index)"
            html += "<div><input type=\"checkbox\" name=\"scope\" id=\"\(id)\" value=\"\(Self.escape(scope))\" checked><label for=\"\(id)\">\(Self.escape(scope))</label></div>"
        }
        html += "</fieldset><button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow</button> <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Cancel</button></form>"
        return Self.page(title: "Sign in with Google (stand-in)", body: html)
    }

    func approve(_ request: Request) async throws -> Response {
        let body = try await StandInHTTP.body(request)
        var fields: [String: String] = [:]
        var grantedScopes: [String] = []
        for (key, value) in StandInHTTP.formPairs(body) {
            if key == "scope" { grantedScopes.append(value) } else { fields[key] = value }
        }
        guard let redirectURI = fields["redirect_uri"], state.withLock({ $0.redirectURIs.contains(redirectURI) }) else {
            return Self.page(title: "Error 400: redirect_uri_mismatch", body: "<p>Unknown redirect URI.</p>", status: .badRequest)
        }
        var parameters: [(String, String)] = []
        if fields["decision"] != "allow" {
            parameters = [("error", "access_denied")]
        } else {
            guard let email = fields["account"], let account = state.withLock({ $0.account(email) }) else {
                return Self.page(title: "Choose an account", body: "<p>No account was chosen.</p>", status: .badRequest)
            }
            let code = "4/" + StandInHTTP.newToken("code")
            let grant = GoogleStandInState.Code(
                account: account.email, scopes: grantedScopes, redirectURI: redirectURI, challenge: fields["code_challenge"] ?? "", offline: fields["access_type"] == "offline")
            state.withLock { $0.codes[code] = grant }
            parameters = [("code", code), ("scope", grantedScopes.joined(separator: " ")), ("authuser", "0")]
            if let domain = account.hostedDomain { parameters.append(("hd", domain)) }
            parameters.append(("prompt", "consent"))
        }
        if let stateValue = fields["state"] { parameters.insert(("state", stateValue), at: 0) }
        var components = URLComponents(string: redirectURI)!
        components.queryItems = (components.queryItems ?? []) + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` is legal in a query but means a space to form decoders: encode it as Google does.
        let location = components.url!.absoluteString.replacingOccurrences(of: "+", with: "%2B")
        state.withLock { $0.lastRedirect = location }
        return Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}fieldset{margin:1rem 0}button{font-size:1rem;padding:.4rem 1rem}</style>
            </head><body><h1>\(escape(title))</h1>\(body)</body></html>
            """
        return StandInHTTP.text(html, status: status, contentType: "text/html; charset=utf-8")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
