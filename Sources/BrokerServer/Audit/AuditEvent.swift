public import Foundation

/// One line of the audit trail. Holds names, outcomes and fingerprints only, never a secret value.
public struct AuditEvent: Sendable {
    public var ts: Date
    public var event: String
    public var caller: String?
    public var integration: String?
    public var outcome: String
    public var code: String?
    public var detail: [String: String]?

    public init(event: String, caller: String?, integration: String? = nil, outcome: String, code: String? = nil, detail: [String: String]? = nil, at date: Date = Date()) {
        self.ts = date
        self.event = event
        self.caller = caller
        self.integration = integration
        self.outcome = outcome
        self.code = code
        self.detail = detail
    }
}
