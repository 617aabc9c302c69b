/// Where a sealed secret belongs; it is authenticated with the secret so a value moved elsewhere fails to open.
public struct SealingContext: Sendable, Hashable {
    public var integration: IntegrationName
    public var field: SecretField

    public init(integration: IntegrationName, field: SecretField) {
        self.integration = integration
        self.field = field
    }
}
