/// What a client may do: manage integrations, obtain tokens, or watch keys.
public enum Role: String, Sendable, CaseIterable, Codable, Comparable {
    case admin
    case consumer
    case ops

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
