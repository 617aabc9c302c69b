/// Parsing of the write-only `secrets` object of create and patch bodies.
enum SecretsInput {
    /// Largest secret accepted: a 4096-bit RSA key in PEM is about 3.3 KiB.
    static let maximumLength = 64 * 1024

    static func parse(_ value: JSONValue?, settings: IntegrationSettings?, errors: inout [FieldError]) -> [SecretField: SecretValue] {
        guard let value, value != .null else { return [:] }
        guard case .object(let object) = value else {
            errors.append(FieldError(field: "secrets", message: "must be an object of secret values, not \(value.typeName)"))
            return [:]
        }
        var secrets: [SecretField: SecretValue] = [:]
        for key in object.keys.sorted() {
            let path = "secrets.\(key)"
            guard let field = SecretField(rawValue: key) else {
                errors.append(FieldError(field: path, message: "is not a known secret"))
                continue
            }
            guard case .string(let text)? = object[key] else {
                errors.append(FieldError(field: path, message: "must be a string, not \(object[key]?.typeName ?? "missing")"))
                continue
            }
            if field == .refreshToken || field == .accessToken {
                errors.append(FieldError(field: path, message: field == .refreshToken ? "is set only by Link G Suite, never through the API" : "is issued by the provider, never set through the API"))
                continue
            }
            if let settings, !settings.requiredSecrets.contains(field) {
                let expected = settings.requiredSecrets.map(\.rawValue).sorted().joined(separator: ", ")
                errors.append(FieldError(field: path, message: "is not used by this integration (it uses: \(expected.isEmpty ? "none" : expected))"))
                continue
            }
            if text.isEmpty {
                errors.append(FieldError(field: path, message: "must not be empty"))
                continue
            }
            if text.utf8.count > maximumLength {
                errors.append(FieldError(field: path, message: "must be at most \(maximumLength) bytes"))
                continue
            }
            if field == .privateKey,
                let problem = FieldChecks.pemProblem(text, labels: ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"])
            {
                errors.append(FieldError(field: path, message: problem))
                continue
            }
            secrets[field] = SecretValue(text)
        }
        return secrets
    }
}
