import BrokerCore
import Foundation

/// A verify result as the API shows it (`POST /v1/verify`, `POST /v1/integrations/{name}/verify`).
struct VerifyResponse: Encodable {
    struct Upstream: Encodable {
        let status: Int?
        let error: String?
        let errorCodes: [Int]?

        enum CodingKeys: String, CodingKey {
            case status, error
            case errorCodes = "error_codes"
        }
    }

    let ok: Bool
    let code: String
    let message: String
    let hint: String?
    let fields: [String: String]
    let upstream: Upstream?
    let checkedAt: Date
    let rooms: [String: String]?
    let integration: IntegrationResponse?

    init(_ result: VerifyResult, integration: IntegrationResponse? = nil) {
        ok = result.ok
        code = result.code.rawValue
        message = result.message
        hint = result.hint
        fields = result.fields
        upstream = result.upstream.map { Upstream(status: $0.status, error: $0.error, errorCodes: $0.errorCodes.isEmpty ? nil : $0.errorCodes) }
        checkedAt = result.checkedAt
        rooms = result.rooms?.mapValues(\.rawValue)
        self.integration = integration
    }

    enum CodingKeys: String, CodingKey {
        case ok, code, message, hint, fields, upstream, integration, rooms
        case checkedAt = "checked_at"
    }
}
