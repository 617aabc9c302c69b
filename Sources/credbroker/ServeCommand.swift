import ArgumentParser
import BrokerServer
import Foundation
import Hummingbird
import Logging

/// `credbroker serve`: run the service with the configuration from the environment.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the broker over HTTPS.")

    func run() async throws {
        let configuration = try await BrokerConfiguration.load()
        let logger = BrokerLogging.logger(configuration)
        let app = try await buildApplication(
            configuration: configuration, logger: logger,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.listenPort
                logger.notice("credbroker listening", metadata: ["credbroker.address": "https://\(configuration.listenHost):\(port)"])
            })
        try await app.runService()
    }
}
