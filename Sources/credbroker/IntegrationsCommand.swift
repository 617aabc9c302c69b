public import ArgumentParser
public import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import BrokerUpstreams
import Foundation

/// `credbroker integrations list`: what is configured and how healthy it is, for ops at a terminal.
struct IntegrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrations", abstract: "Inspect and verify integrations.", subcommands: [List.self, Verify.self])

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

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a stored integration against its provider and record its status (exit 1 when it does not work).")
        @Argument(help: "The integration's name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let integrationName = IntegrationName(name) else { throw ValidationError("'\(name)' is not a valid integration name") }
            let configuration = try await BrokerConfiguration.load()
            let keyring = KeyringHolder(try KeyringFile.load(path: configuration.keyringPath), path: configuration.keyringPath)
            let verification = StoredVerification(
                store: try await CommandStore.open(configuration), keyring: keyring,
                verifier: Verifier(http: try configuration.upstreamHTTPClient(), microsoftAuthority: configuration.microsoftAuthority, microsoftGraph: configuration.microsoftGraph))
            guard let (result, stored) = try await verification.verify(integrationName) else {
                throw CommandFailure("no integration is named '\(name)'")
            }
            CommandAudit.record(configuration, event: "integration.verified", outcome: result.ok ? "ok" : "failed", detail: ["integration": name, "code": result.code.rawValue])
            if json {
                struct Output: Encodable {
                    let ok: Bool
                    let code, message: String
                    let hint: String?
                    let fields: [String: String]
                    let status: String
                }
                Terminal.line(try Terminal.json(Output(ok: result.ok, code: result.code.rawValue, message: result.message, hint: result.hint, fields: result.fields, status: stored.status.rawValue)))
            } else {
                Terminal.line("\(result.ok ? "OK" : "FAILED") \(name): \(result.code.rawValue)")
                Terminal.line(result.message)
                if let hint = result.hint { Terminal.line("What to do: \(hint)") }
                for (field, state) in result.fields.sorted(by: { $0.key < $1.key }) { Terminal.line("  \(field): \(state)") }
                Terminal.line("Status is now \(stored.status.rawValue).")
            }
            if !result.ok { throw ExitCode.failure }
        }
    }
}

extension IntegrationKind: ExpressibleByArgument {}
extension IntegrationStatus: ExpressibleByArgument {}
