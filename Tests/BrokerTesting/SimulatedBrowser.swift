import Foundation
import NIOHTTP1

/// A browser reduced to what the link flow needs: it follows the broker's redirect to Google, submits
/// the consent form as a person would, and keeps (or loses) the broker's cookie.
public struct SimulatedBrowser {
    /// The broker as this browser reaches it (behind a load balancer: whichever replica it picks).
    public var broker: TestHTTPClient
    public let google: TestHTTPClient
    public let googleBase: String
    public var cookies: [String: String] = [:]

    public init(broker: TestHTTPClient, googleBase: String, standInCA: String) throws {
        self.broker = broker
        self.googleBase = googleBase
        google = try TestHTTPClient(baseURL: googleBase, trustingCAPEM: standInCA)
    }

    /// Opens the link; returns the broker's answer (a 302 to Google, or a page).
    public mutating func open(_ linkURL: String) async throws -> TestHTTPClient.Reply {
        let reply = try await broker.request(.GET, Self.pathAndQuery(linkURL))
        for header in reply.headers["Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
        }
        return reply
    }

    /// Submits the consent page for `account`, granting `scopes` (all requested when nil) or denying.
    public func consent(_ authorizationURL: String, account: String, scopes: [String]? = nil, allow: Bool = true) async throws -> String {
        let query = URLComponents(string: authorizationURL)!.queryItems ?? []
        func value(_ name: String) -> String { query.first { $0.name == name }?.value ?? "" }
        let page = try await google.request(.GET, Self.pathAndQuery(authorizationURL))
        precondition(page.status == 200, page.text)
        var fields: [(String, String)] = [("redirect_uri", value("redirect_uri")), ("state", value("state")), ("code_challenge", value("code_challenge")), ("access_type", value("access_type")), ("account", account)]
        for scope in scopes ?? value("scope").split(separator: " ").map(String.init) { fields.append(("scope", scope)) }
        fields.append(("decision", allow ? "allow" : "deny"))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let reply = try await google.request(.POST, "/o/oauth2/v2/approve", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        precondition(reply.status == 302, reply.text)
        return reply.headers["Location"].first!
    }

    /// Follows Google's redirect back to the broker, with the cookies this browser holds.
    public func callback(_ url: String, sendCookies: Bool = true) async throws -> TestHTTPClient.Reply {
        var headers: [(String, String)] = []
        if sendCookies, !cookies.isEmpty { headers.append(("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))) }
        return try await broker.request(.GET, Self.pathAndQuery(url), headers: headers)
    }

    public static func pathAndQuery(_ url: String) -> String {
        let components = URLComponents(string: url)!
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    public func shutdown() async throws { try await google.shutdown() }
}
