public import Logging
import Foundation

/// The process logger: text or JSON lines on stderr at the configured level.
public enum BrokerLogging {
    public static func logger(_ configuration: BrokerConfiguration, label: String = "credbroker") -> Logger {
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let format = configuration.logFormat
        var logger = Logger(label: label) { StderrLogHandler(label: $0, format: format) }
        logger.logLevel = level
        return logger
    }
}

/// One line per event on stderr, as text (`ts level label: message key=value …`, keys sorted) or as a
/// JSON object (`ts`, `level`, `message`, `logger`, metadata). Metadata is rendered when a line is
/// written, not when it is set: every request sets its ids on the logger and most requests log
/// nothing (swift-log's `StreamLogHandler` re-renders all metadata on each set).
struct StderrLogHandler: LogHandler {
    let label: String
    let format: BrokerConfiguration.LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard let line = line(for: event) else { return }
        FileHandle.standardError.write(line)
    }

    /// The event as one line, newline included.
    func line(for event: LogEvent) -> Data? {
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        var line: Data
        switch format {
        case .text:
            var text = "\(RFC3339Timestamp.string(Date())) \(event.level) \(label): \(event.message)"
            for key in merged.keys.sorted() { text += " \(key)=\(merged[key]!)" }
            line = Data(text.utf8)
        case .json:
            var object: [String: String] = ["ts": RFC3339Timestamp.string(Date()), "level": event.level.rawValue, "message": "\(event.message)", "logger": label]
            for (key, value) in merged { object[key] = "\(value)" }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let encoded = try? encoder.encode(object) else { return nil }
            line = encoded
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }
}
