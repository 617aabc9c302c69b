public import Logging
import Foundation

/// The process logger: text or JSON lines on stderr at the configured level.
public enum BrokerLogging {
    public static func logger(_ configuration: BrokerConfiguration, label: String = "credbroker") -> Logger {
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        var logger: Logger
        switch configuration.logFormat {
        case .text: logger = Logger(label: label) { TextLogHandler(label: $0) }
        case .json: logger = Logger(label: label) { JSONLogHandler(label: $0) }
        }
        logger.logLevel = level
        return logger
    }
}

/// `ts level label: message key=value …` lines on stderr. Metadata is rendered when a line is
/// written, not when it is set: every request sets its ids on the logger and most requests log
/// nothing (swift-log's `StreamLogHandler` re-renders all metadata on each set).
struct TextLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(AuditLog.timestamp(Date())) \(event.level) \(label): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// One JSON object per log line on stderr: `ts`, `level`, `message`, metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = ["ts": AuditLog.timestamp(Date()), "level": event.level.rawValue, "message": "\(event.message)", "logger": label]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = "\(value)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(line)
    }
}
