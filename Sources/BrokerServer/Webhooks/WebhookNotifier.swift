public import BrokerCore
public import BrokerUpstreams
public import Foundation
public import Logging

/// Tells receivers when an integration's status changes (needs attention, failing, recovered), with a
/// signed JSON POST. Deliveries run in their own tasks with bounded retries and backoff, so a slow or
/// dead receiver never slows a token request.
public struct WebhookNotifier: Sendable {
    let urls: [String]
    let secret: SecretValue?
    let http: UpstreamHTTPClient
    let logger: Logger
    let retryDelays: [Duration]

    public init(urls: [String], secret: SecretValue?, http: UpstreamHTTPClient, logger: Logger, retryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30)]) {
        self.urls = urls
        self.secret = secret
        self.http = http
        self.logger = logger
        self.retryDelays = retryDelays
    }

    /// Sends an event when the status changed; returns at once.
    public func statusChanged(from old: Integration, to new: Integration, at date: Date) {
        guard !urls.isEmpty, old.status != new.status, let secret else { return }
        let type: String
        switch new.status {
        case .ok: type = "integration.recovered"
        case .needsAttention: type = "integration.needs_attention"
        case .failing: type = "integration.failing"
        case .unverified, .unlinked: type = "integration.status_changed"
        }
        var event: [String: Any] = [
            "type": type, "integration": new.name.rawValue, "kind": new.kind.rawValue,
            "status": new.status.rawValue, "previous_status": old.status.rawValue, "at": RFC3339Timestamp.string(date),
        ]
        if let error = new.lastError { event["last_error"] = ["code": error.code, "message": error.message] }
        guard let body = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        for url in urls {
            let delivery = Delivery(url: url, body: Array(body), secret: secret, http: http, logger: logger, retryDelays: retryDelays)
            Task.detached { await delivery.run() }
        }
    }

    private struct Delivery: Sendable {
        let url: String
        let body: [UInt8]
        let secret: SecretValue
        let http: UpstreamHTTPClient
        let logger: Logger
        let retryDelays: [Duration]

        func run() async {
            for attempt in 0...retryDelays.count {
                let timestamp = Int(Date().timeIntervalSince1970)
                let request = UpstreamRequest(
                    method: "POST", url: url,
                    headers: [("Content-Type", "application/json"), (WebhookSignature.header, WebhookSignature.sign(body: body, secret: secret, timestamp: timestamp))],
                    body: body)
                if let response = try? await http.send(request), (200..<300).contains(response.status) { return }
                guard attempt < retryDelays.count else { break }
                try? await Task.sleep(for: retryDelays[attempt])
            }
            logger.warning("webhook delivery failed after retries", metadata: ["credbroker.webhook": "\(url)"])
        }
    }
}
