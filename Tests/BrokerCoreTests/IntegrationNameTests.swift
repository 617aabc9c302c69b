import BrokerCore
import Foundation
import Testing

@Suite struct IntegrationNameTests {
    /// Names that match the contract's pattern are accepted as they are.
    @Test(arguments: ["hq-rooms", "a", "acme.hq-rooms", "0day", "room_1", String(repeating: "a", count: 64)])
    func acceptsValidNames(_ name: String) {
        #expect(IntegrationName(name)?.rawValue == name)
    }

    /// Invalid names are refused, and the suggestion offered for each is itself valid.
    @Test(arguments: [
        ("", "integration"), ("HQ Rooms", "hq-rooms"), ("-leading", "leading"), ("über", "ber"),
        (String(repeating: "b", count: 65), String(repeating: "b", count: 64)), ("a/b", "a-b"), ("rooms!", "rooms"),
    ])
    func refusesInvalidNamesWithAValidSuggestion(_ name: String, _ expected: String) {
        #expect(IntegrationName(name) == nil)
        #expect(IntegrationName.problem(with: name) != nil)
        let suggestion = IntegrationName.suggestion(for: name)
        #expect(IntegrationName.isValid(suggestion))
        #expect(suggestion == expected)
    }
}

@Suite struct IntegrationPatternTests {
    /// Globs match whole names: `*` any run (also none), `?` exactly one character.
    @Test(arguments: [
        ("*", "anything", true), ("acme.*", "acme.hq-rooms", true), ("acme.*", "acme.", true),
        ("acme.*", "globex.hq", false), ("acme.*", "xacme.hq", false), ("hq-??", "hq-01", true),
        ("hq-??", "hq-1", false), ("*rooms", "hq-rooms", true), ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false),
        ("exact", "exact", true), ("exact", "exactly", false),
    ])
    func matchesWholeNames(_ pattern: String, _ name: String, _ expected: Bool) throws {
        let pattern = try #require(IntegrationPattern(pattern))
        guard let name = IntegrationName(name) else {
            #expect(!expected)
            return
        }
        #expect(pattern.matches(name) == expected)
    }

    /// Patterns with characters that could not appear in a name are refused.
    @Test(arguments: ["", "ACME.*", "a b", "a[b]", "%"])
    func refusesMalformedPatterns(_ pattern: String) {
        #expect(IntegrationPattern(pattern) == nil)
    }
}

@Suite struct SecretValueTests {
    /// A secret never shows its value when printed, debug-printed, interpolated or reflected.
    @Test func neverPrintsItself() {
        let secret = SecretValue("hunter2-canary")
        for rendering in [String(describing: secret), String(reflecting: secret), "\(secret)", String(describing: Mirror(reflecting: secret).children.map { $0 })] {
            #expect(!rendering.contains("hunter2"))
        }
        #expect(secret.revealUTF8() == "hunter2-canary")
    }

    /// Equality compares contents, including length.
    @Test func comparesByContent() {
        #expect(SecretValue("abc").constantTimeEquals(SecretValue("abc")))
        #expect(!SecretValue("abc").constantTimeEquals(SecretValue("abd")))
        #expect(!SecretValue("abc").constantTimeEquals(SecretValue("abcd")))
    }
}

@Suite struct StalenessTests {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 24 * 3600

    static func integration(verified: Date? = nil, token: Date? = nil) -> Integration {
        Integration(
            name: IntegrationName("fmis")!, displayName: nil,
            settings: .oauth2(OAuth2Settings(tokenURL: "https://fmis.example/token", clientID: "c")), secrets: [:], status: .ok,
            lastVerifiedAt: verified, lastTokenAt: token, createdAt: created, updatedAt: created)
    }

    /// An integration is stale after 30 days without a successful verify or token, counting from its creation.
    @Test func staleAfterThirtyDaysWithoutSuccess() {
        let later = Self.created.addingTimeInterval(31 * Self.day)
        #expect(!Self.integration().isStale(now: Self.created.addingTimeInterval(29 * Self.day)))
        #expect(Self.integration().isStale(now: later))
        #expect(!Self.integration(verified: Self.created.addingTimeInterval(20 * Self.day)).isStale(now: later))
        #expect(!Self.integration(token: Self.created.addingTimeInterval(25 * Self.day)).isStale(now: later))
    }
}
