/// The name every other service uses for an integration: `^[a-z0-9][a-z0-9._-]{0,63}$`, immutable once created.
public struct IntegrationName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public static let maximumLength = 64

    /// Accepts only names that match the contract's pattern.
    public init?(_ rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public static func isValid(_ candidate: String) -> Bool {
        let bytes = Array(candidate.utf8)
        guard let first = bytes.first, bytes.count <= maximumLength, isAlphanumeric(first) else { return false }
        return bytes.dropFirst().allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Why `candidate` is not a valid name, in words a portal user understands; nil when it is valid.
    public static func problem(with candidate: String) -> String? {
        if candidate.isEmpty { return "must not be empty" }
        if candidate.utf8.count > maximumLength { return "must be at most \(maximumLength) characters" }
        if let first = candidate.utf8.first, !isAlphanumeric(first) {
            return "must start with a lowercase letter or a digit"
        }
        if candidate.contains(where: { $0.isUppercase }) { return "must be lowercase" }
        if !isValid(candidate) {
            return "may contain only lowercase letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    /// A valid name as close as possible to `candidate`: lowercased, other characters turned into '-',
    /// leading punctuation dropped, cut to the maximum length.
    public static func suggestion(for candidate: String) -> String {
        var result = ""
        var lastWasDash = false
        for scalar in candidate.lowercased().unicodeScalars {
            if scalar.isASCII, let byte = UInt8(exactly: scalar.value),
                isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            {
                result.unicodeScalars.append(scalar)
                lastWasDash = byte == UInt8(ascii: "-")
            } else if !lastWasDash {
                result.append("-")
                lastWasDash = true
            }
        }
        while let first = result.utf8.first, !isAlphanumeric(first) { result.removeFirst() }
        if result.utf8.count > maximumLength { result = String(result.prefix(maximumLength)) }
        while let last = result.last, last == "-" || last == "." || last == "_" { result.removeLast() }
        return result.isEmpty ? "integration" : result
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
