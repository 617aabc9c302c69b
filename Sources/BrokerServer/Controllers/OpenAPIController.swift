import BrokerCore
import Foundation
import Hummingbird

/// `GET /openapi.yaml`: the API as OpenAPI 3.1, the same file as in the repository.
struct OpenAPIController {
    static let document: ByteBuffer? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return ByteBuffer(bytes: data)
    }()

    func addRoutes(to router: Router<BrokerRequestContext>) {
        router.get("openapi.yaml") { _, _ in
            guard let document = Self.document else { throw BrokerErrorResponse(.internalError("The OpenAPI document is missing from this build.")) }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: document))
        }
    }
}
