import Foundation

/// Reads fields out of a JSON object while collecting every problem: wrong types, missing required
/// values, and (by `rejectUnknownFields`) anything the contract does not name.
public struct ObjectReader {
    public let object: [String: JSONValue]
    public let path: String
    public private(set) var errors: [FieldError] = []
    private var consumed: Set<String> = []

    public init(_ object: [String: JSONValue], path: String) {
        self.object = object
        self.path = path
    }

    private func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public mutating func fail(_ key: String, _ message: String, suggestion: String? = nil) {
        errors.append(FieldError(field: fieldPath(key), message: message, suggestion: suggestion))
    }

    public mutating func append(_ other: [FieldError]) { errors.append(contentsOf: other) }

    public func has(_ key: String) -> Bool {
        if let value = object[key], value != .null { return true }
        return false
    }

    public mutating func string(_ key: String, required: Bool = false) -> String? {
        consumed.insert(key)
        switch object[key] {
        case nil, .null?:
            if required { fail(key, "is required") }
            return nil
        case .string(let value)?:
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                if required { fail(key, "must not be empty") }
                return nil
            }
            return trimmed
        case let other?:
            fail(key, "must be a string, not \(other.typeName)")
            return nil
        }
    }

    public mutating func stringArray(_ key: String) -> [String]? {
        consumed.insert(key)
        switch object[key] {
        case nil, .null?:
            return nil
        case .array(let values)?:
            var result: [String] = []
            for (index, value) in values.enumerated() {
                guard case .string(let text) = value, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                    errors.append(FieldError(field: "\(fieldPath(key))[\(index)]", message: "must be a non-empty string"))
                    continue
                }
                result.append(text.trimmingCharacters(in: .whitespaces))
            }
            return result
        case let other?:
            fail(key, "must be an array of strings, not \(other.typeName)")
            return nil
        }
    }

    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T?) -> T? where T.RawValue == String {
        guard let raw = string(key) else {
            if fallback == nil { fail(key, "is required (one of \(T.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return fallback
        }
        guard let value = T(rawValue: raw) else {
            fail(key, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// Marks fields this reader did not consume as unknown.
    public mutating func rejectUnknownFields() {
        for key in object.keys.sorted() where !consumed.contains(key) {
            fail(key, "is not a known field")
        }
    }

    public mutating func consume(_ key: String) { consumed.insert(key) }
}
