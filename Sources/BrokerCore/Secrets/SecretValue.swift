#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A secret in memory (password, client secret, private key, token): never prints, compares in
/// constant time, and zeroes its bytes when the last reference goes away.
public final class SecretValue: @unchecked Sendable {
    // Immutable after init; only deinit writes (to zero), when no other reference can exist.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes`. Contiguous collections (arrays, buffers) are copied in one `memcpy`: this
    /// generic runs unspecialised from other modules, where an element-by-element copy was a
    /// visible share of every request (the API key is read into one).
    public init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        let count = bytes.count
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        let copied = bytes.withContiguousStorageIfAvailable { source in
            if let base = source.baseAddress { storage.baseAddress!.copyMemory(from: base, byteCount: count) }
        }
        if copied == nil {
            _ = UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]).initializeMemory(as: UInt8.self, from: bytes)
        }
        self.storage = storage
        self.count = count
    }

    public convenience init(_ string: String) {
        self.init(bytes: Array(string.utf8))
    }

    public let count: Int

    public var isEmpty: Bool { count == 0 }

    /// Lends the bytes to `body`; they must not escape it.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// The secret as text, for the one place that must send it (an upstream request body).
    public func revealUTF8() -> String {
        withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// A copy of the bytes, for the one place that must hand them to a C API.
    public func revealBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Equality that takes the same time wherever the first difference is.
    public func constantTimeEquals(_ other: SecretValue) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { mine in
            other.withUnsafeBytes { theirs in
                var difference: UInt8 = 0
                for index in 0..<mine.count { difference |= mine[index] ^ theirs[index] }
                return difference == 0
            }
        }
    }

    deinit {
        // memset through a volatile-like call the optimiser cannot drop: the buffer is freed right after.
        explicit_bzero(storage.baseAddress!, storage.count)
        storage.deallocate()
    }
}

extension SecretValue: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<redacted>" }
    public var debugDescription: String { "SecretValue(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
