import Hummingbird
import Synchronization

/// The routes the router serves, by path template, so a request for a known path with a method it
/// does not serve gets 405 with `Allow` rather than 404. Filled once, after the routes are added.
final class KnownRoutes: Sendable {
    private let templates = Mutex<[(components: [Substring], methods: Set<String>)]>([])

    func record(_ routes: [Router<BrokerRequestContext>.RouteDescription]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath["\(route.path)", default: []].insert(route.method.rawValue) }
        let recorded = byPath.map { (components: Self.components($0.key), methods: $0.value) }
        templates.withLock { $0 = recorded }
    }

    /// The methods served at `path` (sorted), or nil when no route has this path at all.
    func methods(at path: String) -> [String]? {
        let requested = Self.components(path)
        let methods = templates.withLock { templates in
            templates.filter { template in
                template.components.count == requested.count
                    && zip(template.components, requested).allSatisfy { pattern, part in
                        pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == part
                    }
            }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        }
        return methods.isEmpty ? nil : methods.sorted()
    }

    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
