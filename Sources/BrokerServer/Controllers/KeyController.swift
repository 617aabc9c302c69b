import BrokerCore
import BrokerSealing
import BrokerStorage
import Hummingbird

/// `GET /v1/keys` (role `ops`): key versions this process has loaded, the active one, and how many
/// secrets each seals, so ops can confirm every replica holds a new key before activating it.
struct KeyController {
    let dependencies: BrokerDependencies

    struct KeyStatus: Encodable {
        struct Version: Encodable {
            let version: UInt32
            let state: String
            let secrets: Int
        }

        let active: UInt32
        let loaded: [UInt32]
        let versions: [Version]
    }

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.get("keys", use: status)
    }

    func status(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        try context.requireCaller().require(.ops)
        return try JSONResponse.make(try await Self.keyStatus(dependencies))
    }

    static func keyStatus(_ dependencies: BrokerDependencies) async throws -> KeyStatus {
        let keyring = dependencies.keyring.keyring
        let counts = try await dependencies.integrations.secretCountsByKeyVersion()
        let versions = Set(keyring.loadedVersions).union(counts.keys).sorted()
        return KeyStatus(
            active: keyring.activeVersion, loaded: keyring.loadedVersions,
            versions: versions.map { version in
                let state =
                    version == keyring.activeVersion ? "active" : keyring.keys[version] != nil ? "decrypt_only" : "retired"
                return .init(version: version, state: state, secrets: counts[version] ?? 0)
            })
    }
}
