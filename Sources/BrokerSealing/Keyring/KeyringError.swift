/// Why a keyring could not be loaded or written; each message is one line saying what to fix.
public enum KeyringError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String)
    case tooOpen(path: String, mode: String)
    case unreadable(path: String, reason: String)
    case malformed(String)
    case exists(path: String)
    /// A keyring change that would lose or misuse key material.
    case refused(String)

    public var description: String {
        switch self {
        case .missing(let path):
            "no keyring at \(path): run `credbroker init` to create one, or set CREDBROKER_KEYRING"
        case .tooOpen(let path, let mode):
            "keyring \(path) has mode \(mode), readable by group or others: run `chmod 600 \(path)`"
        case .unreadable(let path, let reason):
            "keyring \(path) cannot be read: \(reason)"
        case .malformed(let reason):
            "keyring is malformed: \(reason)"
        case .exists(let path):
            "a keyring already exists at \(path); refusing to overwrite it"
        case .refused(let reason):
            reason
        }
    }
}
