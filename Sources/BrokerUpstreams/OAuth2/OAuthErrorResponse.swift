import Foundation

/// An RFC 6749 §5.2 error body, with Microsoft's `error_codes` when present.
public struct OAuthErrorResponse: Sendable {
    public let error: String
    public let description: String?
    public let errorCodes: [Int]

    public init?(_ response: UpstreamResponse) {
        guard let object = response.jsonObject, let error = object["error"] as? String else { return nil }
        self.error = error
        description = object["error_description"] as? String
        errorCodes = (object["error_codes"] as? [Any] ?? []).compactMap { ($0 as? Int) ?? ($0 as? NSNumber)?.intValue }
    }
}
