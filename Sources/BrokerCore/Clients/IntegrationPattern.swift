/// A glob over whole integration names (`acme.*`, `hq-??`, `*`) that scopes what a client may reach.
public struct IntegrationPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public static let everything = IntegrationPattern(validated: "*")

    /// Accepts patterns built from name characters plus `*` and `?`.
    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 128,
            rawValue.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "._-*?".contains($0)) })
        else { return nil }
        self.rawValue = rawValue
    }

    private init(validated: String) { rawValue = validated }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let pattern = IntegrationPattern(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid pattern \(raw)"))
        }
        self = pattern
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Whole-name glob match: `*` any run of characters (also none), `?` exactly one.
    public func matches(_ name: IntegrationName) -> Bool {
        let pattern = Array(rawValue.utf8)
        let text = Array(name.rawValue.utf8)
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
