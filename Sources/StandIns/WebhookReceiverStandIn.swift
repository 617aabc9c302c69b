import Foundation
import HTTPTypes
import Hummingbird
public import NIOSSL
import Synchronization

/// A local HTTPS endpoint that receives the broker's webhooks and keeps them for inspection.
public final class WebhookReceiverStandIn: Sendable {
    /// One received delivery.
    public struct Delivery: Sendable {
        public let signature: String?
        public let body: [UInt8]
    }

    public let control: StandInControl
    public let server: StandInServer
    private let received: Received

    final class Received: Sendable {
        let deliveries = Mutex<[Delivery]>([])
    }

    public init(tls: TLSConfiguration) async throws {
        let control = StandInControl()
        let received = Received()
        let router = Router()
        router.post("hooks") { request, _ in
            let body = try await StandInHTTP.body(request)
            control.record("/hooks", body: body)
            if let fault = try await StandInHTTP.applyFault(control) { return fault }
            received.deliveries.withLock { $0.append(Delivery(signature: request.headers[HTTPField.Name("Credbroker-Signature")!], body: Array(body.utf8))) }
            return Response(status: .noContent)
        }
        self.control = control
        self.received = received
        server = try await StandInServer(router: router, tls: tls, name: "webhooks")
    }

    public var url: String { server.baseURL + "/hooks" }

    public var deliveries: [Delivery] { received.deliveries.withLock { $0 } }
}
