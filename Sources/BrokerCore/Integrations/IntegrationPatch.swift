/// A validated PATCH body applied to a stored integration: settings merged key by key
/// (`null` removes an optional one), secrets replaced, the result validated as a whole.
public struct IntegrationPatch: Sendable {
    public var displayName: String??
    public var settingsChanges: [String: JSONValue]?
    public var secrets: [SecretField: SecretValue]

    /// Parses a PATCH body; the name and kind are immutable and may only be repeated unchanged.
    public static func parse(_ body: JSONValue, current: Integration) throws(BrokerError) -> IntegrationPatch {
        guard case .object(let object) = body else {
            throw .invalidRequest("The request body must be a JSON object, not \(body.typeName).")
        }
        var reader = ObjectReader(object, path: "")
        var errors: [FieldError] = []
        if let name = reader.string("name"), name != current.name.rawValue {
            reader.fail("name", "cannot be changed (every room that links to this integration uses it); create a new integration instead")
        }
        if let kind = reader.string("kind"), kind != current.kind.rawValue {
            reader.fail("kind", "cannot be changed; create a new integration instead")
        }
        var displayName: String?? = .none
        if object.keys.contains("display_name") {
            if object["display_name"] == .null {
                displayName = .some(nil)
                reader.consume("display_name")
            } else if let value = reader.string("display_name") {
                if value.count > IntegrationDraft.maximumDisplayNameLength {
                    reader.fail("display_name", "must be at most \(IntegrationDraft.maximumDisplayNameLength) characters")
                }
                displayName = .some(value)
            }
        }
        reader.consume("settings")
        reader.consume("secrets")
        reader.rejectUnknownFields()
        errors.append(contentsOf: reader.errors)

        var settingsChanges: [String: JSONValue]?
        switch object["settings"] {
        case .object(let changes)?: settingsChanges = changes
        case nil, .null?: break
        case let other?: errors.append(FieldError(field: "settings", message: "must be an object, not \(other.typeName)"))
        }
        // Secrets are checked against the settings as they will be after the patch.
        let secrets = SecretsInput.parse(object["secrets"], settings: nil, errors: &errors)
        guard errors.isEmpty else { throw .validationFailed(errors) }
        return IntegrationPatch(displayName: displayName, settingsChanges: settingsChanges, secrets: secrets)
    }

    /// What applying this patch to `current` gives: the new settings, the secrets to store and to drop.
    public struct Outcome: Sendable {
        public var displayName: String?
        public var settings: IntegrationSettings
        public var newSecrets: [SecretField: SecretValue]
        public var removedSecrets: Set<SecretField>
        public var credentialsChanged: Bool
    }

    public func apply(to current: Integration) throws(BrokerError) -> Outcome {
        var errors: [FieldError] = []
        var settings = current.settings
        if let settingsChanges {
            var merged = current.settings.jsonObject
            for (key, value) in settingsChanges {
                if value == .null { merged.removeValue(forKey: key) } else { merged[key] = value }
            }
            if let parsed = IntegrationSettings.parse(kind: current.kind, object: merged, errors: &errors) { settings = parsed }
        }
        if errors.isEmpty {
            for field in secrets.keys.sorted() where !settings.requiredSecrets.contains(field) {
                let expected = settings.requiredSecrets.map(\.rawValue).sorted().joined(separator: ", ")
                errors.append(FieldError(field: "secrets.\(field.rawValue)", message: "is not used by this integration (it uses: \(expected.isEmpty ? "none" : expected))"))
            }
            let available = Set(current.secrets.keys).union(secrets.keys)
            for missing in settings.requiredSecrets.subtracting(available).sorted() {
                errors.append(FieldError(field: "secrets.\(missing.rawValue)", message: "is required once auth is \(settings.authName)"))
            }
        }
        guard errors.isEmpty else { throw .validationFailed(errors) }
        let removed = Set(current.secrets.keys).subtracting(settings.storedSecrets)
        return Outcome(
            displayName: displayName ?? current.displayName,
            settings: settings,
            newSecrets: secrets,
            removedSecrets: removed,
            credentialsChanged: settings != current.settings || !secrets.isEmpty || !removed.isEmpty)
    }
}

extension IntegrationSettings {
    /// The `auth` setting's value, for messages.
    var authName: String {
        switch self {
        case .office365(let settings): settings.auth.rawValue
        case .exchange(let settings): settings.auth.rawValue
        case .google(let settings): settings.auth.rawValue
        case .oauth2(let settings): settings.clientAuth.rawValue
        }
    }
}
