import BrokerStorage
import BrokerTLS
import BrokerTesting
import Foundation
import NIOCore
import NIOHTTP1
import StandIns
import Testing

/// Three `credbroker serve` processes on loopback sharing one PostgreSQL database, as replicas
/// behind a load balancer; requests are spread over them.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ReplicaTests {
    /// The replicas, the stand-ins they call, and clients for each replica.
    struct Cluster {
        let standIns: StandInSet
        let served: ServedSetup
        var servers: [RunningCommand] = []
        var clients: [TestHTTPClient] = []
        let adminKey: String
        let consumerKey: String
        let publicURL: String
        let standInCA: String
        /// Holds the stand-in CA and the Google client secret the replicas read.
        let scratch: TemporaryDirectory

        init(replicas: Int, extra: [String: String] = [:]) async throws {
            let pki = try DevCertificateAuthority(commonName: "stand-in CA")
            standIns = try await StandInSet(authority: pki)
            standInCA = pki.certificatePEM
            let scratch = try TemporaryDirectory()
            self.scratch = scratch
            let ports = try (0..<replicas).map { _ in try FreePort.find() }
            // Every replica sits behind the same public address: the first replica's, here.
            publicURL = "https://127.0.0.1:\(ports[0])"
            standIns.google.register(redirectURI: publicURL + "/oauth/google/callback")
            var environment = [
                "CREDBROKER_DATABASE": try await TestPostgres.freshDatabaseURL(),
                "CREDBROKER_UPSTREAM_CA": try scratch.write(pki.certificatePEM, to: "standin-ca.pem"),
                "CREDBROKER_PUBLIC_URL": publicURL,
                "CREDBROKER_GOOGLE_ISSUER": standIns.google.issuer,
                "CREDBROKER_GOOGLE_API": standIns.google.issuer,
                "CREDBROKER_GOOGLE_CLIENT_ID": StandInSet.googleClientID,
                "CREDBROKER_GOOGLE_CLIENT_SECRET_FILE": try scratch.write(StandInSet.googleClientSecret + "\n", to: "google-secret"),
                "CREDBROKER_LOG_LEVEL": "info",
            ]
            environment.merge(extra) { $1 }
            served = try await ServedSetup(environment)
            adminKey = try await Self.addClient("admin", role: "admin", served)
            consumerKey = try await Self.addClient("svc", role: "consumer", served)
            for (index, port) in ports.enumerated() {
                var replica = served
                replica.environment["CREDBROKER_LISTEN"] = "127.0.0.1:\(port)"
                replica.environment["CREDBROKER_AUDIT_LOG"] = served.path + "/audit-\(index).log"
                let (server, address) = try await replica.serve()
                servers.append(server)
                // A replica that is gone fails its callers fast, as a load balancer's health check would.
                clients.append(try TestHTTPClient(baseURL: address, trustingCAPEM: served.caPEM, connectTimeout: .seconds(2)))
            }
        }

        static func addClient(_ name: String, role: String, _ served: ServedSetup) async throws -> String {
            let added = try await served.run(["clients", "add", name, "--role", role])
            guard added.status == 0, let key = added.stdout.split(separator: "\n").last.map(String.init) else {
                throw ConfigurationFailure("clients add failed: \(added.stderr)")
            }
            return key
        }

        func createOAuth2(_ names: [String]) async throws {
            for (index, name) in names.enumerated() {
                let created = try await clients[index % clients.count].json(.POST, "/v1/integrations", key: adminKey, body: [
                    "name": name, "kind": "oauth2",
                    "settings": ["token_url": standIns.oauth2.tokenURL, "client_id": "broker", "scopes": ["rooms.read"]],
                    "secrets": ["client_secret": StandInSet.appSecret],
                ])
                guard created.status == 201 else { throw ConfigurationFailure("create \(name): \(created.status) \(created.text)") }
            }
        }

        /// Every (integration, replica) pair asked `rounds` times, at most `concurrency` at once.
        /// Returns each answer's replica, integration, status and token (status 0: no answer, and why).
        func storm(_ names: [String], rounds: Int, concurrency: Int) async -> [(replica: Int, name: String, status: Int, token: String?)] {
            let jobs = (0..<rounds).flatMap { round in names.indices.map { (replica: ($0 + round) % clients.count, name: names[$0]) } }
            return await withTaskGroup(of: (Int, String, Int, String?).self) { group in
                var results: [(replica: Int, name: String, status: Int, token: String?)] = []
                var next = 0
                func add(_ job: (replica: Int, name: String)) {
                    let client = clients[job.replica]
                    let key = consumerKey
                    group.addTask {
                        do {
                            let reply = try await client.json(.POST, "/v1/integrations/\(job.name)/token", key: key)
                            return (job.replica, job.name, reply.status, reply.json["access_token"] as? String)
                        } catch {
                            return (job.replica, job.name, 0, "\(error)")
                        }
                    }
                }
                while next < min(concurrency, jobs.count) { add(jobs[next]); next += 1 }
                for await result in group {
                    results.append(result)
                    if next < jobs.count { add(jobs[next]); next += 1 }
                }
                return results
            }
        }

        func stop() async {
            for server in servers { _ = await server.stop() }
            for client in clients { try? await client.shutdown() }
            await standIns.stop()
        }
    }

    /// A refresh storm over three replicas: N integrations cost exactly N provider calls, and every
    /// replica hands out the same token for an integration.
    @Test func refreshStormMakesOneProviderCallPerIntegration() async throws {
        let cluster = try await Cluster(replicas: 3)
        let names = (0..<30).map { "room-\($0)" }
        try await cluster.createOAuth2(names)
        cluster.standIns.oauth2.control.fault = .delay(.milliseconds(300))
        let results = await cluster.storm(names, rounds: 6, concurrency: 48)
        #expect(results.count == names.count * 6)
        #expect(results.allSatisfy { $0.status == 200 }, "\(results.filter { $0.status != 200 }.prefix(3))")
        #expect(cluster.standIns.oauth2.control.count("/oauth/token") == names.count)
        for name in names {
            let tokens = Set(results.filter { $0.name == name }.compactMap(\.token))
            #expect(tokens.count == 1, "\(name) was handed \(tokens.count) different tokens")
        }

        // Leak scan: the client secret and every token handed out appear nowhere but in the token
        // answers — not in any replica's log or audit trail, the database (a full pg_dump), or /metrics.
        let canary = SecretCanary([StandInSet.appSecret] + Set(results.compactMap(\.token)))
        var findings: [String] = []
        for (index, server) in cluster.servers.enumerated() {
            findings += canary.findings(in: Array(server.stderr.utf8), source: "replica \(index) log")
            let metrics = try await cluster.clients[index].request(.GET, "/metrics")
            findings += canary.findings(in: Array(metrics.text.utf8), source: "replica \(index) /metrics")
        }
        findings += canary.findings(inFiles: (0..<3).map { cluster.served.path + "/audit-\($0).log" })
        let dump = try DeployFilesTests.run(["pg_dump", "--no-owner", try #require(cluster.served.environment["CREDBROKER_DATABASE"])])
        #expect(dump.status == 0 && dump.output.contains("refresh_leases"), "\(dump.output.prefix(500))")
        findings += canary.findings(in: Array(dump.output.utf8), source: "pg_dump")
        #expect(findings.isEmpty, "\(findings)")
        await cluster.stop()
    }

    /// A link started on one replica completes on another, and a third sees the linked integration.
    @Test func linkStartedOnOneReplicaCompletesOnAnother() async throws {
        let cluster = try await Cluster(replicas: 3)
        let created = try await cluster.clients[0].json(.POST, "/v1/integrations", key: cluster.adminKey, body: [
            "name": "gsuite", "kind": "google", "settings": ["auth": "oauth", "scopes": [StandInSet.googleCalendarScope], "expected_account": "rooms@corp.example"],
        ])
        #expect(created.status == 201, "\(created.text)")
        let link = try await cluster.clients[1].json(.POST, "/v1/integrations/gsuite/link", key: cluster.adminKey)
        let linkURL = try #require(link.json["link_url"] as? String, "\(link.text)")
        #expect(linkURL.hasPrefix(cluster.publicURL))

        var browser = try SimulatedBrowser(broker: cluster.clients[0], googleBase: cluster.standIns.google.issuer, standInCA: cluster.standInCA)
        let start = try await browser.open(linkURL)
        #expect(start.status == 302)
        let callback = try await browser.consent(try #require(start.headers["Location"].first), account: "rooms@corp.example")
        // The load balancer sends Google's redirect back to another replica.
        browser.broker = cluster.clients[2]
        let finished = try await browser.callback(callback)
        #expect(finished.status == 200, "\(finished.text)")
        #expect(finished.text.contains("rooms@corp.example"))

        let seen = try await cluster.clients[1].json(.GET, "/v1/integrations/gsuite", key: cluster.adminKey)
        #expect(seen.json["linked_account"] as? String == "rooms@corp.example", "\(seen.text)")
        let token = try await cluster.clients[1].json(.POST, "/v1/integrations/gsuite/token", key: cluster.consumerKey)
        #expect(token.status == 200, "\(token.text)")
        try await browser.shutdown()
        await cluster.stop()
    }

    /// One replica is killed mid-storm (holding refresh leases): the others still answer every
    /// request sent to them, take over its leases once they lapse, and nothing stored is lost.
    @Test func killingAReplicaMidStormLosesNothing() async throws {
        let cluster = try await Cluster(replicas: 3, extra: ["CREDBROKER_REFRESH_LEASE_SECONDS": "3"])
        let names = (0..<24).map { "site-\($0)" }
        try await cluster.createOAuth2(names)
        cluster.standIns.oauth2.control.fault = .delay(.seconds(1))
        let victim = cluster.servers[1]
        let killer = Task {
            try await Task.sleep(for: .milliseconds(400))
            kill(victim.pid, SIGKILL)
        }
        let results = await cluster.storm(names, rounds: 3, concurrency: 36)
        try await killer.value
        let survivors = results.filter { $0.replica != 1 }
        #expect(survivors.allSatisfy { $0.status == 200 }, "\(survivors.filter { $0.status != 200 }.prefix(3))")
        // Each integration still reads back, and every one now has a token on a surviving replica.
        let listed = try await cluster.clients[0].json(.GET, "/v1/integrations?limit=100", key: cluster.adminKey)
        #expect((listed.json["integrations"] as? [Any])?.count == names.count, "\(listed.text.prefix(300))")
        cluster.standIns.oauth2.control.fault = .none
        for name in names {
            let reply = try await cluster.clients[2].json(.POST, "/v1/integrations/\(name)/token", key: cluster.consumerKey)
            #expect(reply.status == 200, "\(name): \(reply.text)")
        }
        // At most one extra call per lease the dead replica held.
        #expect(cluster.standIns.oauth2.control.count("/oauth/token") <= names.count * 2)
        await cluster.stop()
    }
}

/// PostgreSQL going away under a running broker.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DatabaseOutageTests {
    /// While the database is unreachable, tokens held in memory are still handed out, requests that
    /// need the database get 503 store_unavailable quickly, readiness fails; afterwards all is back.
    @Test func tokensOutliveADatabaseOutage() async throws {
        let cluster = try await ReplicaTests.Cluster(replicas: 1)
        let client = cluster.clients[0]
        try await cluster.createOAuth2(["fmis"])
        let before = try await client.json(.POST, "/v1/integrations/fmis/token", key: cluster.consumerKey)
        #expect(before.status == 200, "\(before.text)")
        let database = try PostgresURL(try #require(cluster.served.environment["CREDBROKER_DATABASE"])).database
        try await TestPostgres.admin("ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        try await TestPostgres.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        try await Task.sleep(for: .seconds(2.5))  // past the read caches' freshness

        let during = try await client.json(.POST, "/v1/integrations/fmis/token", key: cluster.consumerKey)
        #expect(during.status == 200, "\(during.text)")
        #expect(during.json["access_token"] as? String == before.json["access_token"] as? String)
        let started = ContinuousClock.now
        let admin = try await client.json(.GET, "/v1/integrations/fmis", key: cluster.adminKey)
        #expect(admin.status == 503 && admin.json["code"] as? String == "store_unavailable", "\(admin.text)")
        #expect(ContinuousClock.now - started < .seconds(12), "a caller waited as if for the pool's minute of retries")
        let ready = try await client.request(.GET, "/readyz")
        #expect(ready.status == 503)

        try await TestPostgres.admin("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
        var back = false
        let deadline = ContinuousClock.now + .seconds(40)
        while !back && ContinuousClock.now < deadline {
            back = (try? await client.json(.GET, "/v1/integrations/fmis", key: cluster.adminKey))?.status == 200
            if !back { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(back, "the broker answers from the database again once it is back")
        await cluster.stop()
    }
}
