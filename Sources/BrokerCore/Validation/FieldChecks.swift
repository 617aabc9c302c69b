public import Foundation

/// Shape checks shared by the settings of several kinds.
public enum FieldChecks {
    public static func isEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, value.count <= 254, !value.contains(where: \.isWhitespace) else { return false }
        return isDomain(String(parts[1]))
    }

    public static func isDomain(_ value: String) -> Bool {
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, value.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// An RFC 3339 timestamp (`2027-01-31T00:00:00Z`), or nil.
    public static func parseTimestamp(_ value: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: value) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: value)
    }

    /// Reads an optional RFC 3339 timestamp field, reporting one that does not parse.
    static func timestamp(_ reader: inout ObjectReader, _ key: String) -> String? {
        guard let value = reader.string(key) else { return nil }
        guard parseTimestamp(value) != nil else {
            reader.fail(key, "must be an RFC 3339 time such as 2027-01-31T00:00:00Z")
            return nil
        }
        return value
    }

    public static func isGUID(_ value: String) -> Bool {
        UUID(uuidString: value) != nil
    }

    /// Nil when `value` is an absolute https URL with a host; otherwise what is wrong with it.
    public static func httpsURLProblem(_ value: String) -> String? {
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased() else {
            return "must be an absolute URL"
        }
        guard scheme == "https" else { return "must use https (credentials never travel in clear text)" }
        guard let host = components.host, !host.isEmpty else { return "must name a host" }
        guard components.user == nil, components.password == nil else { return "must not carry credentials; put them in secrets" }
        return nil
    }

    /// The https form of an http URL, offered as a suggestion; none for a URL carrying credentials,
    /// which an answer must never repeat.
    static func httpsSuggestion(for value: String) -> String? {
        guard value.lowercased().hasPrefix("http://"), let components = URLComponents(string: value),
            components.user == nil, components.password == nil
        else { return nil }
        return "https://" + value.dropFirst(7)
    }

    /// Nil when `value` is one or more PEM blocks of `label` (e.g. "CERTIFICATE"); otherwise what is wrong.
    public static func pemProblem(_ value: String, labels: [String]) -> String? {
        let lines = value.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        var inside: String?
        var blocks = 0
        var bodyLength = 0
        for line in lines where !line.isEmpty {
            if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                guard inside == nil else { return "has a BEGIN line inside another block" }
                let label = String(line.dropFirst(11).dropLast(5))
                guard labels.contains(label) else {
                    return "must be PEM (\(labels.map { "BEGIN \($0)" }.joined(separator: " or "))), found BEGIN \(label)"
                }
                inside = label
                bodyLength = 0
            } else if line.hasPrefix("-----END ") {
                guard let label = inside, line == "-----END \(label)-----" else { return "has an END line that does not match its BEGIN line" }
                guard bodyLength > 0 else { return "has an empty PEM block" }
                inside = nil
                blocks += 1
            } else if inside != nil {
                guard line.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=") }) else {
                    return "has a line that is not base64 inside a PEM block"
                }
                bodyLength += line.count
            } else if !(line.contains(":")) {
                return "must be PEM text (-----BEGIN \(labels[0])----- …)"
            }
        }
        if inside != nil { return "is missing its END line" }
        return blocks == 0 ? "must be PEM text (-----BEGIN \(labels[0])----- …)" : nil
    }
}
