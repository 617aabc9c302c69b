public import BrokerSealing

/// Key versions, which is active, and how many secrets each seals: `GET /v1/keys` and `keys status --json`.
public struct KeyStatus: Encodable, Sendable {
    /// One key version.
    public struct Version: Encodable, Sendable {
        public let version: UInt32
        /// `active`, `decrypt_only`, or `retired` (key material removed).
        public let state: String
        public let secrets: Int
    }

    public let active: UInt32
    public let loaded: [UInt32]
    public let versions: [Version]

    public init(keyring: Keyring, counts: [UInt32: Int]) {
        active = keyring.activeVersion
        loaded = keyring.loadedVersions
        versions = Set(keyring.loadedVersions).union(counts.keys).union(keyring.retired).sorted().map { version in
            let state = version == keyring.activeVersion ? "active" : keyring.keys[version] != nil ? "decrypt_only" : "retired"
            return Version(version: version, state: state, secrets: counts[version] ?? 0)
        }
    }
}
