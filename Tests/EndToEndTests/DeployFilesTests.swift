import BrokerTesting
import Foundation
import Testing

/// The deploy files are checked with the tools that exist here: YAML parsing of the Kubernetes and
/// Compose files, and `systemd-analyze verify` of the unit (pointed at the built binary).
@Suite struct DeployFilesTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func kubernetesManifestsDeclareWhatOpsNeed() throws {
        let script = """
            import sys, yaml
            docs = list(yaml.safe_load_all(open(sys.argv[1])))
            kinds = sorted(d["kind"] for d in docs)
            deployment = next(d for d in docs if d["kind"] == "Deployment")
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
            # Replicas on PostgreSQL: several pods, rolling updates, a PDB that keeps a majority.
            assert deployment["spec"]["replicas"] >= 2
            assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
            config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
            assert config["CREDBROKER_DATABASE"].startswith("postgres://") and "sslmode=verify-full" in config["CREDBROKER_DATABASE"]
            assert "password" not in config["CREDBROKER_DATABASE"].split("@")[0].split("//")[1]
            pdb = next(d for d in docs if d["kind"] == "PodDisruptionBudget")
            assert 1 <= pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]
            print(" ".join(kinds))
            compose = yaml.safe_load(open(sys.argv[2]))
            assert compose["services"]["credbroker"]["read_only"] is True
            replicas = yaml.safe_load(open(sys.argv[3]))
            broker = replicas["services"]["credbroker"]
            assert broker["deploy"]["replicas"] >= 2 and broker["read_only"] is True
            assert broker["environment"]["CREDBROKER_DATABASE"].startswith("postgres://credbroker@postgres:")
            assert "db-password" in broker["secrets"] and "postgres" in replicas["services"]
            """
        let result = try Self.run([
            "python3", "-c", script, RepositoryPaths.root + "/deploy/kubernetes/credbroker.yaml", RepositoryPaths.root + "/deploy/compose/compose.yaml",
            RepositoryPaths.root + "/deploy/compose/compose.replicas.yaml",
        ])
        #expect(result.status == 0, "\(result.output)")
        for kind in ["ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service"] { #expect(result.output.contains(kind)) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func systemdUnitVerifies() throws {
        let directory = try TemporaryDirectory()
        let unit = try String(contentsOfFile: RepositoryPaths.root + "/deploy/systemd/credbroker.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/credbroker", with: RepositoryPaths.binary)
        for directive in ["NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "CapabilityBoundingSet=\n"] { #expect(unit.contains(directive)) }
        let path = try directory.write(unit, to: "credbroker.service")
        let result = try Self.run(["systemd-analyze", "verify", path])
        let problems = result.output.split(separator: "\n").filter { !$0.contains("Documentation") && !$0.isEmpty }
        #expect(result.status == 0 && problems.isEmpty, "\(result.output)")
    }
}
