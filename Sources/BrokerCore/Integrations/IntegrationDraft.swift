/// A validated create body: everything needed to store a new integration, secrets still in the clear.
public struct IntegrationDraft: Sendable {
    public var name: IntegrationName
    public var displayName: String?
    public var settings: IntegrationSettings
    public var secrets: [SecretField: SecretValue]

    public static let maximumDisplayNameLength = 200

    /// Validates a create body, reporting every invalid input at once.
    public static func parse(_ body: JSONValue) throws(BrokerError) -> IntegrationDraft {
        guard case .object(let object) = body else {
            throw .invalidRequest("The request body must be a JSON object, not \(body.typeName).")
        }
        var reader = ObjectReader(object, path: "")
        var errors: [FieldError] = []

        let rawName = reader.string("name", required: true)
        var name: IntegrationName?
        if let rawName {
            name = IntegrationName(rawName)
            if name == nil, let problem = IntegrationName.problem(with: rawName) {
                errors.append(FieldError(field: "name", message: "\(problem) (^[a-z0-9][a-z0-9._-]{0,63}$)", suggestion: IntegrationName.suggestion(for: rawName)))
            }
        }
        let kind = reader.choice("kind", default: IntegrationKind?.none)
        let displayName = reader.string("display_name")
        if let displayName, displayName.count > maximumDisplayNameLength {
            reader.fail("display_name", "must be at most \(maximumDisplayNameLength) characters")
        }
        reader.consume("settings")
        reader.consume("secrets")
        reader.rejectUnknownFields()
        errors.insert(contentsOf: reader.errors, at: 0)

        var settings: IntegrationSettings?
        switch object["settings"] {
        case .object(let settingsObject)?:
            if let kind { settings = IntegrationSettings.parse(kind: kind, object: settingsObject, errors: &errors) }
        case nil, .null?:
            if let kind { settings = IntegrationSettings.parse(kind: kind, object: [:], errors: &errors) }
        case let other?:
            errors.append(FieldError(field: "settings", message: "must be an object, not \(other.typeName)"))
        }
        let secrets = SecretsInput.parse(object["secrets"], settings: settings, errors: &errors)
        if let settings {
            for missing in settings.requiredSecrets.subtracting(secrets.keys).sorted() {
                errors.append(FieldError(field: "secrets.\(missing.rawValue)", message: "is required"))
            }
        }
        guard errors.isEmpty, let name, let settings else { throw .validationFailed(errors) }
        return IntegrationDraft(name: name, displayName: displayName, settings: settings, secrets: secrets)
    }
}
