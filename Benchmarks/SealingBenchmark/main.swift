// Seal + open throughput of the envelope (fresh data key, two AES-256-GCM layers) against a bare
// AES-256-GCM seal + open of the same secret under one fixed key, measured in the same run.
// Run in release mode: swift run -c release SealingBenchmark [iterations]
import BrokerCore
import BrokerSealing
import Foundation

let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
let secret = SecretValue(String(repeating: "p", count: 64))
let context = SealingContext(integration: IntegrationName("hq-rooms")!, field: .password)
let sealer = EnvelopeSealer(keyring: try Keyring.generate())
let bareKey = try SecureRandom.bytes(32)
let nonce = try SecureRandom.bytes(12)

func measure(_ label: String, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<min(1000, iterations) { try body() }  // warm up
    let start = ContinuousClock.now
    for _ in 0..<iterations { try body() }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(iterations) / seconds
    print("\(label): \(iterations) in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", rate))/s, \(String(format: "%.2f", seconds / Double(iterations) * 1e6)) µs each")
    return rate
}

let bare = try measure("bare AES-256-GCM seal+open (baseline)") {
    let (ciphertext, tag) = try bareKey.withUnsafeBytes { key in
        try secret.withUnsafeBytes { try AESGCM.seal($0, key: key, nonce: nonce, aad: []) }
    }
    _ = try bareKey.withUnsafeBytes { try AESGCM.open(ciphertext, key: $0, nonce: nonce, tag: tag, aad: []) }
}
let envelope = try measure("envelope seal+open (credbroker)") {
    let sealed = try sealer.seal(secret, for: context)
    _ = try sealer.open(sealed, for: context)
}
print("envelope / bare = \(String(format: "%.2f", envelope / bare))x the throughput of the baseline")
