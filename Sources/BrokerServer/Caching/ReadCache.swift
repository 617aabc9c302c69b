import Foundation
import Synchronization

/// A small time-bounded map for hot reads: entries live `ttl` seconds, and the map is emptied when it
/// reaches `capacity` (a flood of distinct keys costs memory only up to that).
final class ReadCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: (value: Value, expires: Date)]>([:])
    private let ttl: TimeInterval
    private let capacity: Int
    private let now: @Sendable () -> Date

    init(ttl: TimeInterval, capacity: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.ttl = ttl
        self.capacity = capacity
        self.now = now
    }

    func value(for key: Key) -> Value? {
        let current = now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.expires > current { return entry.value }
            entries[key] = nil
            return nil
        }
    }

    func store(_ value: Value, for key: Key) {
        let expires = now().addingTimeInterval(ttl)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (value, expires)
        }
    }

    func remove(_ key: Key) { entries.withLock { _ = $0.removeValue(forKey: key) } }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
