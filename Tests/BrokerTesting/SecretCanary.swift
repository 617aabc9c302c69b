import Foundation

/// Planted secret values and the ways they could leak: as they are, base64, base64url, hex, URL-encoded.
public struct SecretCanary: Sendable {
    public let values: [String]

    public init(_ values: [String]) {
        self.values = values
    }

    /// A distinctive value nobody would write by chance.
    public static func make(_ label: String) -> String {
        "canary-\(label)-\(UUID().uuidString.lowercased().prefix(13))"
    }

    /// Every encoding of every value that must never appear.
    public var needles: [(value: String, encoding: String, bytes: [UInt8])] {
        var result: [(String, String, [UInt8])] = []
        for value in values {
            let data = Data(value.utf8)
            let base64 = data.base64EncodedString()
            result.append((value, "plain", Array(value.utf8)))
            result.append((value, "base64", Array(base64.trimmingCharacters(in: CharacterSet(charactersIn: "=")).utf8)))
            result.append((value, "base64url", Array(base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").trimmingCharacters(in: CharacterSet(charactersIn: "=")).utf8)))
            result.append((value, "hex", Array(data.map { String(format: "%02x", $0) }.joined().utf8)))
            if let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != value {
                result.append((value, "url-encoded", Array(encoded.utf8)))
            }
        }
        return result
    }

    /// Where in `haystack` (named `source`) a planted value appears, as readable findings; empty when clean.
    public func findings(in haystack: [UInt8], source: String) -> [String] {
        needles.compactMap { needle in
            Self.contains(haystack, needle.bytes) ? "\(source) contains a planted secret (\(needle.encoding))" : nil
        }
    }

    public func findings(inFiles paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            guard let data = FileManager.default.contents(atPath: path) else { return [] }
            return findings(in: Array(data), source: path)
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
