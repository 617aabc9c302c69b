import Foundation
import Synchronization

/// The JSON-lines audit trail. Each event is one `write(2)` of one whole line, made before the request
/// it records is answered: a crash loses at most the line being written, and lines never interleave.
/// On a regular file (opened with `O_APPEND`) one write of one buffer is an atomic append whatever its
/// length, so concurrent requests, and the CLI appending to the same file, need no lock of ours; on
/// standard output (a pipe or a terminal, where only writes up to `PIPE_BUF` are atomic) the lines of
/// this process are written one at a time.
public final class AuditLog: Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Whether one write is an atomic append (a regular file), or lines must be written one at a time.
    private let appendsAtomically: Bool
    private let oneAtATime = Mutex(())

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
        appendsAtomically = destination != "-" && (try? FileManager.default.attributesOfItem(atPath: destination)[.type] as? FileAttributeType) == .typeRegular
    }

    public func record(_ event: AuditEvent) {
        var line = Self.line(event)
        line.append(UInt8(ascii: "\n"))
        if appendsAtomically {
            append(line)
        } else {
            oneAtATime.withLock { _ in append(line) }
        }
    }

    private func append(_ line: [UInt8]) {
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
        writer.add("ts", RFC3339Timestamp.string(event.ts))
        return writer.finished()
    }
}
