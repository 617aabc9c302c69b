import Synchronization

/// Idle libcurl handles kept for reuse, so calls to the same provider reuse connections and TLS
/// sessions, and the CA bundle is not parsed again for every call.
final class CurlHandlePool: Sendable {
    private let idle = Mutex<[CurlEasyHandle]>([])
    private let capacity: Int

    init(capacity: Int = 16) {
        self.capacity = capacity
    }

    /// An idle handle, reset, or a new one.
    func take() throws -> CurlEasyHandle {
        if let handle = idle.withLock({ $0.popLast() }) {
            handle.reset()
            return handle
        }
        return try CurlEasyHandle()
    }

    func give(_ handle: CurlEasyHandle) {
        idle.withLock { handles in
            if handles.count < capacity { handles.append(handle) }
        }
    }
}
