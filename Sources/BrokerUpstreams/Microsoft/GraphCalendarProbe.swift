public import BrokerCore
import Foundation

/// Whether an Office 365 token may read a room's calendar: `GET {graph}/v1.0/users/{room}/calendar`.
public struct GraphCalendarProbe: Sendable {
    let http: UpstreamHTTPClient
    let graphBase: String

    public init(http: UpstreamHTTPClient, graphBase: String) {
        self.http = http
        var base = graphBase
        while base.hasSuffix("/") { base.removeLast() }
        self.graphBase = base
    }

    public func access(to room: String, accessToken: String) async -> RoomAccess? {
        let encoded = room.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? room
        guard let response = try? await http.send(UpstreamRequest(url: "\(graphBase)/v1.0/users/\(encoded)/calendar", headers: [("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json")])) else {
            return nil
        }
        switch response.status {
        case 200: return .ok
        case 404: return .notFound
        case 401, 403: return .noAccess
        default: return nil
        }
    }
}
