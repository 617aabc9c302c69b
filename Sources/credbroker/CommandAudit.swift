import BrokerServer
import Foundation

/// Audit lines for what ops do at the terminal (key operations), written to the configured audit
/// file. With the default `-` (the server's stdout) there is no shared file to write, so nothing is.
enum CommandAudit {
    static func record(_ configuration: BrokerConfiguration, event: String, outcome: String = "ok", detail: [String: String]) {
        guard configuration.auditLog != "-", let log = try? AuditLog(destination: configuration.auditLog) else { return }
        let user = ProcessInfo.processInfo.environment["USER"] ?? "uid-\(getuid())"
        log.record(AuditEvent(event: event, caller: "cli:\(user)", outcome: outcome, detail: detail))
    }
}
