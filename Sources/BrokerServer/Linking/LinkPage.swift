import BrokerCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The small HTML pages a manager sees at the end of Link G Suite (or when a link is no good): what
/// happened and what to do next. No scripts, no external assets, and a Content-Security-Policy that
/// allows exactly the one inline style below.
struct LinkPage {
    var status: HTTPResponse.Status
    var title: String
    var paragraphs: [String]
    var success: Bool

    static let style = """
        body{font:1.05rem/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f6f7f9;margin:0}\
        main{max-width:34rem;margin:3rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;border-top:6px solid #b3261e}\
        main.ok{border-top-color:#1e7b34}h1{font-size:1.4rem;margin:.2rem 0 1rem}p{margin:.6rem 0}strong{overflow-wrap:anywhere}
        """

    static let contentSecurityPolicy: String = {
        let hash = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()
        return "default-src 'none'; style-src 'sha256-\(hash)'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }()

    func response(extraHeaders: HTTPFields = [:]) -> Response {
        let body = paragraphs.map { "<p>\($0)</p>" }.joined(separator: "\n")
        let html = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title)) · credbroker</title><style>\(Self.style)</style></head>
            <body><main class="\(success ? "ok" : "error")" role="main"><h1>\(Self.escape(title))</h1>
            \(body)
            </main></body></html>
            """
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentSecurityPolicy: Self.contentSecurityPolicy,
            HTTPField.Name("Referrer-Policy")!: "no-referrer", HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static func strong(_ text: String) -> String { "<strong>\(escape(text))</strong>" }

    /// What a scope lets the broker do, in the words of Google's consent page.
    static func describe(_ scope: String) -> String {
        let known = [
            "https://www.googleapis.com/auth/calendar": "see, edit, share and delete all your calendars",
            "https://www.googleapis.com/auth/calendar.readonly": "see all your calendars",
            "https://www.googleapis.com/auth/calendar.events": "view and edit events on all your calendars",
            "https://www.googleapis.com/auth/calendar.events.readonly": "view events on all your calendars",
            "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly": "see your organisation's rooms and resources",
        ]
        guard let words = known[scope] else { return strong(scope) }
        return "\(strong(words)) (\(escape(scope)))"
    }

    // MARK: The pages

    static let startAgain = "Start again from the portal with <em>Link G Suite</em>; each link works once, for 10 minutes."

    static var unknownLink: LinkPage {
        LinkPage(status: .badRequest, title: "This link is not valid", paragraphs: ["The address is incomplete or was never issued.", startAgain], success: false)
    }

    static var usedLink: LinkPage {
        LinkPage(status: .gone, title: "This link was already used", paragraphs: ["A link can be opened only once, so nobody else can reuse it.", startAgain], success: false)
    }

    static var expiredLink: LinkPage {
        LinkPage(status: .gone, title: "This link has expired", paragraphs: ["Links are valid for 10 minutes.", startAgain], success: false)
    }

    static var notConfigured: LinkPage {
        LinkPage(status: .serviceUnavailable, title: "Google linking is not set up", paragraphs: ["The broker has no Google OAuth client configured. Ask your platform team to set it up, then try again."], success: false)
    }

    static func linked(integration: IntegrationName, account: String) -> LinkPage {
        LinkPage(status: .ok, title: "Google account linked", paragraphs: [
            "\(strong(integration.rawValue)) now uses \(strong(account)) for its calendars.",
            "You can close this window and return to the portal.",
        ], success: true)
    }

    static func refused(_ outcome: LinkOutcome, integration: IntegrationName, detail: LinkRefusal) -> LinkPage {
        let name = strong(integration.rawValue)
        switch outcome {
        case .linked:
            return linked(integration: integration, account: detail.account ?? "")
        case .stateInvalid:
            return LinkPage(status: .badRequest, title: "This sign-in cannot be matched to your link", paragraphs: [
                "Google sent back a sign-in that was not started in this browser, was already used, or was altered. Nothing was changed.",
                "Start again from the portal, and finish in the same browser window.",
            ], success: false)
        case .stateExpired:
            return LinkPage(status: .gone, title: "The link expired", paragraphs: ["Signing in took longer than 10 minutes, so nothing was changed.", startAgain], success: false)
        case .accessDenied:
            return LinkPage(status: .ok, title: "Linking was cancelled", paragraphs: [
                "Google reports that access was not granted, so \(name) was not changed.", "When you are ready, start again from the portal and choose <em>Allow</em>.",
            ], success: false)
        case .accountMismatch:
            let expected = detail.expected.map(strong) ?? "another account"
            return LinkPage(status: .forbidden, title: "That is not the expected Google account", paragraphs: [
                "You signed in as \(strong(detail.account ?? "an unknown account"))\(detail.personal ? ", a personal Google account" : ""), but \(name) expects \(expected).",
                "Nothing was saved, and the access just granted was withdrawn at Google.",
                "Sign out of Google (or use another browser profile), then start again from the portal and sign in as \(expected).",
            ], success: false)
        case .missingScopes:
            return LinkPage(status: .forbidden, title: "Some access was not granted", paragraphs: [
                "Google granted less than \(name) needs. Missing: \(detail.missingScopes.map(describe).joined(separator: "; ")).",
                "Nothing was saved. Start again from the portal and leave every permission ticked on Google's page.",
            ], success: false)
        case .noRefreshToken:
            return LinkPage(status: .badGateway, title: "Google did not grant offline access", paragraphs: [
                "Without it the broker cannot keep \(name) working after you close this window. Nothing was saved.",
                "Remove this app at <em>myaccount.google.com › Security › Third-party access</em>, then start again from the portal.",
            ], success: false)
        case .upstreamError:
            return LinkPage(status: .badGateway, title: "Google could not complete the link", paragraphs: [
                "\(escape(detail.message ?? "Google answered in an unexpected way.")) Nothing was saved.", "Try again in a few minutes; if it keeps failing, tell your platform team.",
            ], success: false)
        }
    }
}

/// What the result page and the audit trail say about a refused link.
struct LinkRefusal: Sendable {
    var account: String?
    var expected: String?
    var missingScopes: [String] = []
    var message: String?
    /// The account that signed in has no Workspace domain (@gmail.com and the like).
    var personal = false
}
