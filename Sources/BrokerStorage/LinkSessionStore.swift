public import BrokerCore
public import Foundation

/// Link G Suite sessions, shared by every replica so a link started on one finishes on another.
/// Each step is a compare-and-set: a session starts once and completes once.
public protocol LinkSessionStore: Sendable {
    func createLinkSession(_ session: LinkSession) async throws
    func linkSession(id: String) async throws -> LinkSession?
    func linkSession(stateHash: String) async throws -> LinkSession?
    /// Records the flow's state and browser hashes; false when the session had started already.
    func startLinkSession(id: String, stateHash: String, browserHash: String, at date: Date) async throws -> Bool
    /// Marks the session used up; false when it had completed already (a replayed callback).
    func completeLinkSession(id: String, at date: Date) async throws -> Bool
    /// Forgets sessions that expired before `date`; returns how many.
    @discardableResult
    func deleteLinkSessions(expiredBefore date: Date) async throws -> Int
}
