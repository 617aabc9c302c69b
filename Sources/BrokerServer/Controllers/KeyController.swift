import BrokerCore
import BrokerSealing
import BrokerStorage
import Hummingbird

/// `GET /v1/keys` (role `ops`): key versions this process has loaded, the active one, and how many
/// secrets each seals, so ops can confirm every replica holds a new key before activating it.
struct KeyController {
    let dependencies: BrokerDependencies

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.get("keys", use: status)
    }

    func status(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        try context.requireCaller().require(.ops)
        let counts = try await dependencies.integrations.secretCountsByKeyVersion()
        return try JSONResponse.make(KeyStatus(keyring: dependencies.keyring.keyring, counts: counts))
    }
}
