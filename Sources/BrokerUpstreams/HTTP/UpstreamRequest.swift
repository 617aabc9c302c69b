public import BrokerCore
import Foundation

/// One outbound HTTPS call: where, what, and how to authenticate. Credentials stay `SecretValue`s
/// until the moment libcurl copies them.
public struct UpstreamRequest: Sendable {
    /// HTTP authentication libcurl performs itself (never `CURLAUTH_ANY`: the scheme is chosen, not negotiated down).
    public enum Authentication: Sendable {
        case none
        case basic(username: String, password: SecretValue)
        case ntlm(username: String, password: SecretValue)
    }

    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    public var authentication: Authentication
    /// Extra PEM CA certificates trusted for this call only (an on-premises Exchange CA).
    public var extraCAPEM: String?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, authentication: Authentication = .none, extraCAPEM: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.authentication = authentication
        self.extraCAPEM = extraCAPEM
    }

    /// A form POST (`application/x-www-form-urlencoded`), as token endpoints expect.
    public static func form(url: String, fields: [(String, String)], headers: [(String, String)] = []) -> UpstreamRequest {
        UpstreamRequest(
            method: "POST", url: url,
            headers: headers + [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(FormEncoding.encode(fields).utf8))
    }
}

/// What came back: the final response (after any authentication handshake).
public struct UpstreamResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as a JSON object, or nil when it is not one.
    public var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

/// `application/x-www-form-urlencoded` per the WHATWG URL standard (space as `+`).
public enum FormEncoding {
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "*-._ ")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "+")
    }

    public static func decode(_ body: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}
