import Foundation

/// The JSON-lines audit trail. Each event is one `write(2)` of one whole line to a file opened with
/// `O_APPEND`, made before the request it records is answered: a crash loses at most the line being
/// written, and lines never interleave — an append of one buffer is atomic on a regular file (and up
/// to `PIPE_BUF` on a pipe), so concurrent requests, and the CLI appending to the same file, need no
/// lock of ours. (A lock around the write was the costliest part of a token hand-out: two threads
/// queued on it for every line.)
public final class AuditLog: Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// `-` writes to standard output; anything else is a file path, created with mode 0600.
    public init(destination: String) throws {
        if destination == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            let fd = open(destination, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw ConfigurationError("cannot open the audit log \(destination): \(String(cString: strerror(errno)))")
            }
            descriptor = fd
            ownsDescriptor = true
        }
    }

    public func record(_ event: AuditEvent) {
        var line = Self.line(event)
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// The event as one JSON object, keys sorted.
    static func line(_ event: AuditEvent) -> [UInt8] {
        var writer = JSONObjectWriter()
        if let caller = event.caller { writer.add("caller", caller) }
        if let code = event.code { writer.add("code", code) }
        writer.add("detail", event.detail)
        writer.add("event", event.event)
        if let integration = event.integration { writer.add("integration", integration) }
        writer.add("outcome", event.outcome)
        writer.add("ts", timestamp(event.ts))
        return writer.finished()
    }

    /// RFC 3339 with milliseconds, UTC.
    static func timestamp(_ date: Date) -> String {
        RFC3339Timestamp.string(date)
    }
}
