// Rewrap of N sealed secrets on SQLite (the code `credbroker keys rewrap` runs) against a bare
// `sqlite3` UPDATE of the same rows' blobs, measured in the same run on copies of one database.
// Run in release mode: swift run -c release RewrapBenchmark [count] [batch-size]
import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import Foundation

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
let batchSize = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? KeyRotation.defaultBatchSize
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rewrap-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func sqlite3(_ database: String, _ input: String) throws -> Duration {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", database]
    let pipe = Pipe()
    process.standardInput = pipe
    process.standardOutput = FileHandle.nullDevice
    let start = ContinuousClock.now
    try process.run()
    pipe.fileHandleForWriting.write(Data(input.utf8))
    try pipe.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return ContinuousClock.now - start
}

// Seed: real sealed secrets under version 1, written in one transaction by sqlite3.
let keyring = try Keyring.generate().addingKey()
let sealer = EnvelopeSealer(keyring: keyring)
let seeded = directory + "/seeded.sqlite"
_ = try SQLiteStore(path: seeded)
var sql = "PRAGMA journal_mode=WAL;\nBEGIN;\n"
sql.reserveCapacity(count * 400)
let settings = String(decoding: IntegrationSettings.oauth2(OAuth2Settings(tokenURL: "https://fmis.example/token", clientID: "c")).encodedJSON(), as: UTF8.self)
for index in 0..<count {
    let name = IntegrationName("fmis-\(index)")!
    let sealed = try sealer.seal(SecretValue("client-secret-\(index)"), for: SealingContext(integration: name, field: .clientSecret))
    let hex = sealed.serialized.map { String(format: "%02x", $0) }.joined()
    sql += "INSERT INTO integrations VALUES ('\(name)','oauth2',NULL,'\(settings)','unverified',NULL,NULL,NULL,NULL,NULL,NULL,0,0,1);\n"
    sql += "INSERT INTO integration_secrets VALUES ('\(name)','client_secret',1,X'\(hex)',0);\n"
}
sql += "COMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\n"
_ = try sqlite3(seeded, sql)
print("seeded \(count) sealed secrets under key version 1")

for copy in ["rewrap", "baseline"] {
    try FileManager.default.copyItem(atPath: seeded, toPath: directory + "/\(copy).sqlite")
}

// Baseline: one UPDATE rewriting every row's blob, as a bare sqlite3 process.
let baseline = try sqlite3(directory + "/baseline.sqlite", "PRAGMA journal_mode=WAL; UPDATE integration_secrets SET sealed = randomblob(length(sealed)), key_version = 2;")

// credbroker: KeyRotation.rewrap, exactly what `keys rewrap` runs.
let store = try SQLiteStore(path: directory + "/rewrap.sqlite")
let start = ContinuousClock.now
let result = try await KeyRotation(store: store, keyring: try keyring.activating(2)).rewrap(batchSize: batchSize)
let rewrap = ContinuousClock.now - start
guard result.done == count, try await store.secretCountsByKeyVersion() == [2: count] else {
    fatalError("rewrap did not finish: \(result)")
}

print(String(format: "bare sqlite3 UPDATE of %d blobs (baseline): %.3f s", count, seconds(baseline)))
print(String(format: "credbroker rewrap of %d secrets, batches of %d: %.3f s (%.0f secrets/s)", count, batchSize, seconds(rewrap), Double(count) / seconds(rewrap)))
print(String(format: "rewrap / baseline = %.2fx the time", seconds(rewrap) / seconds(baseline)))
