import BrokerCore
import BrokerStorage
import BrokerTesting
import Foundation
import Testing

/// The stores every contract test runs against.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    /// Runs `body` with a new, empty store of this kind, and closes it after.
    func withStore(_ body: (any BrokerStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let store: any BrokerStore =
            switch self {
            case .sqlite: try SQLiteStore(path: directory.file("db/credbroker.sqlite"))
            case .postgresql: try await TestPostgres.freshStore()
            }
        do {
            try await body(store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// Integrations and sealed values for storage tests.
enum StoreSamples {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func integration(_ name: String, kind: IntegrationKind = .oauth2, status: IntegrationStatus = .unverified) -> Integration {
        let settings: IntegrationSettings
        switch kind {
        case .google: settings = .google(GoogleSettings(auth: .oauth, scopes: GoogleSettings.defaultScopes))
        default: settings = .oauth2(OAuth2Settings(tokenURL: "https://fmis.example/token", clientID: "broker", scopes: ["read"], clientAuth: .clientSecretBasic))
        }
        return Integration(name: IntegrationName(name)!, displayName: name.uppercased(), settings: settings, secrets: [:], status: status, createdAt: now, updatedAt: now)
    }

    static func sealed(_ version: UInt32 = 1, fill: UInt8 = 7, ciphertext: [UInt8] = [1, 2, 3]) -> SealedSecret {
        SealedSecret(
            keyVersion: version, wrapNonce: .init(repeating: fill, count: 12), wrappedKey: .init(repeating: fill, count: 32),
            wrapTag: .init(repeating: fill, count: 16), nonce: .init(repeating: fill, count: 12), ciphertext: ciphertext, tag: .init(repeating: fill, count: 16))
    }

    static func token(_ integration: String, key: String = "k1", fill: UInt8 = 5, expiresIn: TimeInterval = 3600) -> CachedToken {
        CachedToken(
            integration: IntegrationName(integration)!, cacheKey: key, sealed: sealed(fill: fill), tokenType: "Bearer", scopes: ["a", "b"],
            issuedAt: now, expiresAt: now.addingTimeInterval(expiresIn))
    }
}
