import BrokerCore
import BrokerSealing
import BrokerStorage
import Hummingbird

/// `/healthz` (the process answers) and `/readyz` (the store answers and a keyring is loaded).
struct HealthController {
    let dependencies: BrokerDependencies

    struct Readiness: Encodable {
        let status: String
        let store: String
        let keyring: Keyring

        struct Keyring: Encodable {
            let active: UInt32
            let loaded: [UInt32]
        }
    }

    func addRoutes(to router: Router<BrokerRequestContext>) {
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("readyz", use: ready)
    }

    func ready(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        do {
            try await dependencies.integrations.ping()
        } catch {
            throw BrokerErrorResponse(.notReady("The store does not answer."))
        }
        let keyring = dependencies.keyring.keyring
        return try JSONResponse.make(
            Readiness(status: "ready", store: "ok", keyring: .init(active: keyring.activeVersion, loaded: keyring.loadedVersions)))
    }
}
