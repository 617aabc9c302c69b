/// What an integration links to; a closed set so every `switch` over it names each kind.
public enum IntegrationKind: String, Sendable, CaseIterable, Codable {
    case office365
    case exchange
    case google
    case oauth2
}
