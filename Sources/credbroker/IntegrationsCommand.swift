public import ArgumentParser
public import BrokerCore
import BrokerStorage
import Foundation

/// `credbroker integrations list`: what is configured and how healthy it is, for ops at a terminal.
struct IntegrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrations", abstract: "Inspect integrations.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List integrations with their status (no secret values).")
        @Option(help: "Only this kind.") var kind: IntegrationKind?
        @Option(help: "Only this status.") var status: IntegrationStatus?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await CommandStore.open()
            var all: [Integration] = []
            var query = IntegrationQuery(kind: kind, status: status, limit: 5000)
            while true {
                let page = try await store.list(query)
                all += page
                guard page.count == query.limit, let last = page.last else { break }
                query.after = last.name
            }
            let now = Date()
            if json {
                struct Row: Encodable {
                    let name, kind, status: String
                    let stale: Bool
                    let display_name: String?
                    let updated_at: String
                }
                print(try Terminal.json(all.map {
                    Row(name: $0.name.rawValue, kind: $0.kind.rawValue, status: $0.status.rawValue, stale: $0.isStale(now: now),
                        display_name: $0.displayName, updated_at: $0.updatedAt.formatted(Date.ISO8601FormatStyle()))
                }))
            } else {
                print(Terminal.table(
                    ["NAME", "KIND", "STATUS", "STALE", "UPDATED"],
                    all.map { [$0.name.rawValue, $0.kind.rawValue, $0.status.rawValue, $0.isStale(now: now) ? "yes" : "no", $0.updatedAt.formatted(Date.ISO8601FormatStyle())] }))
            }
        }
    }
}

extension IntegrationKind: ExpressibleByArgument {}
extension IntegrationStatus: ExpressibleByArgument {}
