import BrokerServer
import BrokerTesting
import Foundation
import Testing

/// `BrokerConfiguration.load`: environment variables, and a JSON or YAML file nested the same way,
/// with the environment winning; bad values are refused with the variable's name.
@Suite struct ConfigurationTests {
    @Test func readsJSONAndYAMLFilesAndTheEnvironmentWins() async throws {
        let directory = try TemporaryDirectory()
        let json = try directory.write(#"{"credbroker": {"listen": "127.0.0.1:9443", "database": "/var/lib/a.sqlite", "refresh": {"lease": {"seconds": "12"}}}}"#, to: "c.json")
        let yaml = try directory.write("""
            credbroker:
              listen: "127.0.0.1:9444"
              database: postgres://broker@db.internal/credbroker?sslmode=verify-full&sslrootcert=/etc/ca.pem
              database_password_file_is_not_a_key: ignored
              idle:
                timeout:
                  seconds: "7"
            """, to: "c.yaml")
        let fromJSON = try await BrokerConfiguration.load(environment: ["CREDBROKER_CONFIG": json])
        #expect(fromJSON.listenPort == 9443 && fromJSON.database == "/var/lib/a.sqlite" && fromJSON.refreshLeaseSeconds == 12)
        let fromYAML = try await BrokerConfiguration.load(environment: ["CREDBROKER_CONFIG": yaml])
        #expect(fromYAML.listenPort == 9444 && fromYAML.database.hasPrefix("postgres://broker@db.internal") && fromYAML.idleTimeoutSeconds == 7)
        let overridden = try await BrokerConfiguration.load(environment: ["CREDBROKER_CONFIG": yaml, "CREDBROKER_LISTEN": "127.0.0.1:9445"])
        #expect(overridden.listenPort == 9445)
    }

    @Test(arguments: [
        ("CREDBROKER_CONFIG", "/etc/credbroker.toml", "JSON (*.json) or YAML"),
        ("CREDBROKER_REFRESH_LEASE_SECONDS", "0", "CREDBROKER_REFRESH_LEASE_SECONDS"),
        ("CREDBROKER_IDLE_TIMEOUT_SECONDS", "soon", "CREDBROKER_IDLE_TIMEOUT_SECONDS"),
        ("CREDBROKER_CIRCUIT_FAILURES", "-1", "CREDBROKER_CIRCUIT_FAILURES"),
    ])
    func refusesBadValuesNamingTheVariable(variable: String, value: String, expected: String) async {
        do {
            _ = try await BrokerConfiguration.load(environment: [variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
