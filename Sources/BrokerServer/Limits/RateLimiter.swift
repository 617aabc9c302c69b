import Foundation
import Synchronization

/// Token buckets by key (a client name, a remote address): `capacity` at once, refilled at
/// `perMinute`. Bounded: past `maximumKeys` distinct keys the full buckets are forgotten first.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    let capacity: Double
    private let perSecond: Double
    private let maximumKeys: Int
    private let now: @Sendable () -> Date

    init(perMinute: Int, capacity: Int? = nil, maximumKeys: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = Double(capacity ?? perMinute)
        perSecond = Double(perMinute) / 60
        self.maximumKeys = maximumKeys
        self.now = now
    }

    /// Takes one token for `key`: nil when allowed, else the seconds until one is available.
    func take(_ key: String) -> TimeInterval? {
        update(key) { bucket in
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Whether `key` has no token left, without taking one: the seconds until it has, or nil.
    func exhausted(_ key: String) -> TimeInterval? {
        update(key) { bucket in bucket.tokens >= 1 ? nil : (1 - bucket.tokens) / perSecond }
    }

    private func update(_ key: String, _ body: (inout Bucket) -> TimeInterval?) -> TimeInterval? {
        let current = now()
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: current)
            bucket.tokens = min(capacity, bucket.tokens + current.timeIntervalSince(bucket.updated) * perSecond)
            bucket.updated = current
            let wait = body(&bucket)
            if buckets.count >= maximumKeys, buckets[key] == nil {
                buckets = buckets.filter { $0.value.tokens < capacity }
            }
            buckets[key] = bucket
            return wait
        }
    }
}
