public import BrokerCore
import Foundation

/// Whether an access token may read a room's calendar, by reading that calendar once:
/// Graph `GET /v1.0/users/{room}/calendar` or Google `GET /calendar/v3/calendars/{room}`.
public struct CalendarProbe: Sendable {
    let http: UpstreamHTTPClient
    let base: String
    /// The calendar's path for a percent-encoded room address.
    let path: @Sendable (String) -> String

    init(http: UpstreamHTTPClient, base: String, path: @escaping @Sendable (String) -> String) {
        self.http = http
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.base = trimmed
        self.path = path
    }

    public static func graph(http: UpstreamHTTPClient, base: String) -> CalendarProbe {
        CalendarProbe(http: http, base: base) { "/v1.0/users/\($0)/calendar" }
    }

    public static func google(http: UpstreamHTTPClient, base: String) -> CalendarProbe {
        CalendarProbe(http: http, base: base) { "/calendar/v3/calendars/\($0)" }
    }

    /// Each room's access, an unclear answer counting as no_access; nil when no rooms were asked about.
    public func access(to rooms: [String], accessToken: String) async -> [String: RoomAccess]? {
        guard !rooms.isEmpty else { return nil }
        var access: [String: RoomAccess] = [:]
        for room in rooms { access[room] = await self.access(to: room, accessToken: accessToken) ?? .noAccess }
        return access
    }

    /// ok, no_access or not_found; nil when the answer says neither (the caller decides).
    public func access(to room: String, accessToken: String) async -> RoomAccess? {
        let encoded = room.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? room
        let request = UpstreamRequest(url: base + path(encoded), headers: [("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json")])
        guard let response = try? await http.send(request) else { return nil }
        switch response.status {
        case 200: return .ok
        case 404: return .notFound
        case 401, 403: return .noAccess
        default: return nil
        }
    }
}
