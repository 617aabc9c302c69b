import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import Prometheus
import Hummingbird

/// `GET /metrics` in the Prometheus text format: the registry's counters and histograms, plus gauges
/// read at scrape time (integrations by status, secrets by key version, keyring, open circuits).
struct MetricsController {
    let dependencies: BrokerDependencies

    func scrape(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        if dependencies.metricsAuth == .ops {
            try context.requireCaller().require(.ops)
        }
        let keyring = dependencies.keyring.keyring
        let statuses = (try? await dependencies.integrations.integrationCountsByStatus()) ?? [:]
        dependencies.metrics.gauges(
            integrationsByStatus: Dictionary(uniqueKeysWithValues: IntegrationStatus.allCases.map { ($0.rawValue, statuses[$0] ?? 0) }),
            secretsByKeyVersion: (try? await dependencies.integrations.secretCountsByKeyVersion()) ?? [:],
            loadedKeyVersions: keyring.loadedVersions, activeKeyVersion: keyring.activeVersion,
            openCircuits: await dependencies.resilience.openCircuits.count)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: dependencies.metrics.registry.emitToBuffer())))
    }
}
