import Foundation
public import Prometheus
import Synchronization

/// The broker's Prometheus metrics, one registry per broker (not swift-metrics' process-wide
/// bootstrap: tests run several brokers in one process). Every label value comes from a closed set
/// — route templates, methods, status codes, kinds, outcomes — never a name, a host or a secret.
public final class BrokerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(15),
    ]

    /// Request metric handles by (route, method, status): the registry's own lookup builds label
    /// strings on every call, which the hot path should not pay.
    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }
    private let requestHandles = Mutex<[RequestKey: (Counter, DurationHistogram)]>([:])
    /// Token hand-outs by result, made once: counted on every token request.
    private let tokenCounters: [String: Counter]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var counters: [String: Counter] = [:]
        for result in ["cache_hit", "fetched", "failed"] {
            counters[result] = registry.makeCounter(
                descriptor: .init(namespace: "credbroker", metricName: "token_requests", unitName: "total", helpText: "Token hand-outs by cache result"),
                labels: [("result", result)])
        }
        tokenCounters = counters
    }

    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let (counter, histogram) = requestHandles.withLock { handles in
            if let existing = handles[key] { return existing }
            let made = (
                registry.makeCounter(
                    descriptor: .init(namespace: "credbroker", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route template, method and status"),
                    labels: [("route", route), ("method", method), ("status", String(status))]),
                registry.makeDurationHistogram(
                    descriptor: .init(namespace: "credbroker", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route template"),
                    labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets)
            )
            handles[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    /// `result`: `cache_hit`, `fetched` (from the provider or the shared store) or `failed`.
    func token(result: String) {
        tokenCounters[result]?.increment()
    }

    /// One token-endpoint call: `provider` is the integration kind, `outcome` ok or a failure class.
    func upstream(provider: String, outcome: String, duration: Duration) {
        registry.makeCounter(
            descriptor: .init(namespace: "credbroker", metricName: "upstream_calls", unitName: "total", helpText: "Provider token calls by kind and outcome"),
            labels: [("provider", provider), ("outcome", outcome)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "credbroker", metricName: "upstream_call_duration", unitName: "seconds", helpText: "Provider token call latency by kind"),
            labels: [("provider", provider)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Point-in-time values, refreshed just before each scrape.
    func gauges(integrationsByStatus: [String: Int], secretsByKeyVersion: [UInt32: Int], loadedKeyVersions: [UInt32], activeKeyVersion: UInt32, openCircuits: Int) {
        for (status, count) in integrationsByStatus {
            registry.makeGauge(
                descriptor: .init(namespace: "credbroker", metricName: "integrations", unitName: "", helpText: "Integrations by status"),
                labels: [("status", status)]
            ).set(Double(count))
        }
        for (version, count) in secretsByKeyVersion {
            registry.makeGauge(
                descriptor: .init(namespace: "credbroker", metricName: "sealed_secrets", unitName: "", helpText: "Sealed secrets by key version (rewrap progress)"),
                labels: [("key_version", String(version))]
            ).set(Double(count))
        }
        registry.makeGauge(descriptor: .init(namespace: "credbroker", metricName: "keyring_versions_loaded", unitName: "", helpText: "Key versions this process has loaded")).set(Double(loadedKeyVersions.count))
        registry.makeGauge(descriptor: .init(namespace: "credbroker", metricName: "keyring_active_version", unitName: "", helpText: "The key version new secrets are sealed under")).set(Double(activeKeyVersion))
        registry.makeGauge(descriptor: .init(namespace: "credbroker", metricName: "open_circuits", unitName: "", helpText: "Provider endpoints whose circuit breaker is open")).set(Double(openCircuits))
    }
}
