import BrokerCore
import Foundation
import Synchronization

/// A small time-bounded map for hot reads: entries are fresh for `ttl` seconds, and the map is
/// emptied when it reaches `capacity` (a flood of distinct keys costs memory only up to that).
/// An entry stays usable as a fallback for `staleLimit` seconds after it was stored, for when the
/// store cannot answer (stale-if-error).
final class ReadCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: (value: Value, stored: Date)]>([:])
    private let ttl: TimeInterval
    private let staleLimit: TimeInterval
    private let capacity: Int
    private let now: @Sendable () -> Date

    init(ttl: TimeInterval, staleLimit: TimeInterval = 300, capacity: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.ttl = ttl
        self.staleLimit = max(ttl, staleLimit)
        self.capacity = capacity
        self.now = now
    }

    /// The entry while it is fresh.
    func value(for key: Key) -> Value? { value(for: key, maximumAge: ttl) }

    /// The entry while fresh; else what `load` reads from the store (kept, or the entry dropped when
    /// there is none); and while the store cannot be reached, the entry up to the stale limit.
    func value(for key: Key, orLoad load: () async throws -> Value?) async throws -> Value? {
        if let fresh = value(for: key) { return fresh }
        return try await reload(key, load, staleOnOutage: true)
    }

    /// What `load` reads, kept for the next `value(for:)` (the entry dropped when there is none);
    /// with `staleOnOutage`, the last value within the stale limit while the store cannot be reached.
    func reload(_ key: Key, _ load: () async throws -> Value?, staleOnOutage: Bool = false) async throws -> Value? {
        do {
            let loaded = try await load()
            if let loaded { store(loaded, for: key) } else { remove(key) }
            return loaded
        } catch let error as BrokerError where staleOnOutage && error.isStoreUnavailable {
            guard let stale = value(for: key, maximumAge: staleLimit) else { throw error }
            return stale
        }
    }

    private func value(for key: Key, maximumAge: TimeInterval) -> Value? {
        let current = now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            let age = current.timeIntervalSince(entry.stored)
            if age < maximumAge { return entry.value }
            if age >= staleLimit { entries[key] = nil }
            return nil
        }
    }

    func store(_ value: Value, for key: Key) {
        let stored = now()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (value, stored)
        }
    }

    func remove(_ key: Key) { entries.withLock { _ = $0.removeValue(forKey: key) } }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
