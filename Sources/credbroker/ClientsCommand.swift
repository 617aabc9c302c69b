public import ArgumentParser
public import BrokerCore
import BrokerSealing
import BrokerServer
import Logging
import BrokerStorage
import Foundation

/// `credbroker clients add|list|remove`: who may call the broker.
struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients", abstract: "Manage the clients that may call the broker.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client and print its API key (alone on the last line; shown once).")

        @Argument(help: "The client's name (lowercase letters, digits, '.', '_', '-').")
        var name: String
        @Option(name: .customLong("role"), parsing: .upToNextOption, help: "admin, consumer or ops (repeatable).")
        var roles: [Role] = []
        @Option(name: .customLong("integrations"), parsing: .upToNextOption, help: "Glob patterns over integration names (default: *).")
        var patterns: [String] = []
        @Option(name: .customLong("mtls-identity"), help: "The URI SAN or subject CN of the client's TLS certificate.")
        var mtlsIdentity: String?
        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard Client.isValidName(name) else { throw ValidationError("'\(name)' is not a valid client name; try '\(IntegrationName.suggestion(for: name))'") }
            guard !roles.isEmpty else { throw ValidationError("give at least one --role (admin, consumer, ops)") }
            for pattern in patterns where IntegrationPattern(pattern) == nil {
                throw ValidationError("'\(pattern)' is not a valid pattern: use name characters with * and ?")
            }
            if let mtlsIdentity, mtlsIdentity.isEmpty || mtlsIdentity.count > 512 {
                throw ValidationError("--mtls-identity must be 1 to 512 characters")
            }
        }

        func run() async throws {
            let store = try await CommandStore.open()
            let (key, hash) = try APIKey.generate()
            let client = Client(
                name: name, roles: Set(roles), patterns: patterns.isEmpty ? [.everything] : patterns.compactMap(IntegrationPattern.init),
                mtlsIdentity: mtlsIdentity, apiKeyHash: hash, createdAt: Date())
            try await store.add(client)
            if json {
                print(try Terminal.json(ClientSummary(client, apiKey: key.revealUTF8())))
            } else {
                print("Added client '\(client.name)': roles \(client.roles.sorted().map(\.rawValue).joined(separator: ",")); integrations \(client.patterns.map(\.rawValue).joined(separator: ","))\(mtlsIdentity.map { "; mTLS identity \($0)" } ?? "").")
                print("Its API key follows; it is shown only this once:")
                print(key.revealUTF8())
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered clients.")
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let clients = try await CommandStore.open().clients()
            if json {
                print(try Terminal.json(clients.map { ClientSummary($0, apiKey: nil) }))
            } else {
                print(Terminal.table(
                    ["NAME", "ROLES", "INTEGRATIONS", "MTLS IDENTITY", "API KEY"],
                    clients.map { [$0.name, $0.roles.sorted().map(\.rawValue).joined(separator: ","), $0.patterns.map(\.rawValue).joined(separator: ","), $0.mtlsIdentity ?? "-", $0.apiKeyHash == nil ? "no" : "yes"] }))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client; its key and certificate identity stop working at once.")
        @Argument var name: String

        func run() async throws {
            guard try await CommandStore.open().removeClient(named: name) else { throw CommandFailure("no client is named '\(name)'") }
            print("Removed client '\(name)'.")
        }
    }
}

/// A client as the CLI prints it; the API key only right after `add`.
struct ClientSummary: Encodable {
    let name: String
    let roles: [String]
    let integrations: [String]
    let mtlsIdentity: String?
    let apiKey: String?
    let createdAt: String

    init(_ client: Client, apiKey: String?) {
        name = client.name
        roles = client.roles.sorted().map(\.rawValue)
        integrations = client.patterns.map(\.rawValue)
        mtlsIdentity = client.mtlsIdentity
        self.apiKey = apiKey
        createdAt = client.createdAt.formatted(Date.ISO8601FormatStyle())
    }

    enum CodingKeys: String, CodingKey {
        case name, roles, integrations
        case mtlsIdentity = "mtls_identity"
        case apiKey = "api_key"
        case createdAt = "created_at"
    }
}

extension Role: ExpressibleByArgument {}

/// The store the configuration names, for commands that work on it directly.
enum CommandStore {
    static func open() async throws -> any BrokerStore {
        try await open(try await BrokerConfiguration.load())
    }

    static func open(_ configuration: BrokerConfiguration) async throws -> any BrokerStore {
        try await StoreFactory.open(configuration, logger: Logger(label: "credbroker.store"))
    }
}
