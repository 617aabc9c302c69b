/// Writes one flat JSON object straight into bytes, for the two documents the hot path produces on
/// every token request (the token answer and its audit line). Foundation's JSONEncoder cost more than
/// the rest of the request together; everything else still goes through it. Callers add keys in
/// sorted order, matching the encoder's `.sortedKeys` output elsewhere.
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func add(_ key: String, _ value: String?) {
        start(key)
        if let value { Self.appendString(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    mutating func add(_ key: String, _ value: Int) {
        start(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func add(_ key: String, _ values: [String]) {
        start(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A nested object of strings, keys sorted; omitted when nil.
    mutating func add(_ key: String, _ object: [String: String]?) {
        guard let object else { return }
        start(key)
        var nested = JSONObjectWriter(capacity: 64)
        for name in object.keys.sorted() { nested.add(name, object[name]) }
        bytes.append(contentsOf: nested.finished())
    }

    func finished() -> [UInt8] { bytes + [UInt8(ascii: "}")] }

    private mutating func start(_ key: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        Self.appendString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// RFC 8259 §7: quote, backslash and control characters escaped; everything else as UTF-8.
    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
