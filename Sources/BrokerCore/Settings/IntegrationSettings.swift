public import Foundation

/// The settings of one integration, typed by its kind.
public enum IntegrationSettings: Sendable, Equatable {
    case office365(Office365Settings)
    case exchange(ExchangeSettings)
    case google(GoogleSettings)
    case oauth2(OAuth2Settings)

    public var kind: IntegrationKind {
        switch self {
        case .office365: .office365
        case .exchange: .exchange
        case .google: .google
        case .oauth2: .oauth2
        }
    }

    /// Validates a settings object for `kind`, reporting problems under `settings.*`; nil when invalid.
    public static func parse(kind: IntegrationKind, object: [String: JSONValue], errors: inout [FieldError]) -> IntegrationSettings? {
        var reader = ObjectReader(object, path: "settings")
        let settings: IntegrationSettings?
        switch kind {
        case .office365: settings = Office365Settings.parse(&reader).map(IntegrationSettings.office365)
        case .exchange: settings = ExchangeSettings.parse(&reader).map(IntegrationSettings.exchange)
        case .google: settings = GoogleSettings.parse(&reader).map(IntegrationSettings.google)
        case .oauth2: settings = OAuth2Settings.parse(&reader).map(IntegrationSettings.oauth2)
        }
        reader.rejectUnknownFields()
        errors.append(contentsOf: reader.errors)
        return reader.errors.isEmpty ? settings : nil
    }

    /// The scopes a consumer may ask tokens for (all of them when it names none).
    public var tokenScopes: [String] {
        switch self {
        case .office365(let settings): settings.scopes
        case .google(let settings): settings.scopes
        case .oauth2(let settings): settings.scopes
        case .exchange: []
        }
    }

    /// The account tokens act for, when there is one.
    public var accountName: String? {
        switch self {
        case .office365(let settings): settings.account
        case .exchange(let settings): settings.account
        case .google(let settings): settings.subject ?? settings.expectedAccount
        case .oauth2: nil
        }
    }

    /// The secrets this integration needs before it can work.
    public var requiredSecrets: Set<SecretField> {
        switch self {
        case .office365(let settings): settings.requiredSecrets
        case .exchange: [.password]
        case .google(let settings): settings.requiredSecrets
        case .oauth2: [.clientSecret]
        }
    }

    /// Secrets the broker keeps for this integration, including those only it may set (a Google refresh token).
    public var storedSecrets: Set<SecretField> {
        if case .google(let settings) = self, settings.auth == .oauth { return [.refreshToken] }
        return requiredSecrets
    }

    /// What will break before it breaks. `certificateNotAfter` reads a PEM certificate's expiry (the
    /// domain module parses no X.509 itself); certificates and recorded secret expiries within
    /// `IntegrationWarning.expiryNotice` of `now`, or past, are warned about.
    public func warnings(now: Date, certificateNotAfter: (String) -> Date? = { _ in nil }) -> [IntegrationWarning] {
        switch self {
        case .office365(let settings): settings.warnings(now: now, certificateNotAfter: certificateNotAfter)
        case .exchange(let settings): settings.warnings(now: now, certificateNotAfter: certificateNotAfter)
        case .google: []
        case .oauth2(let settings): settings.warnings(now: now)
        }
    }

    /// The settings as the JSON object clients see and the store keeps.
    public var jsonObject: [String: JSONValue] {
        let data: Data
        switch self {
        case .office365(let settings): data = try! Self.encoder.encode(settings)
        case .exchange(let settings): data = try! Self.encoder.encode(settings)
        case .google(let settings): data = try! Self.encoder.encode(settings)
        case .oauth2(let settings): data = try! Self.encoder.encode(settings)
        }
        guard case .object(let object) = try! JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
        return object
    }

    /// Restores stored settings; they were validated when written, so failure means a corrupt row.
    public static func decode(kind: IntegrationKind, json: Data) throws -> IntegrationSettings {
        let decoder = JSONDecoder()
        switch kind {
        case .office365: return .office365(try decoder.decode(Office365Settings.self, from: json))
        case .exchange: return .exchange(try decoder.decode(ExchangeSettings.self, from: json))
        case .google: return .google(try decoder.decode(GoogleSettings.self, from: json))
        case .oauth2: return .oauth2(try decoder.decode(OAuth2Settings.self, from: json))
        }
    }

    public func encodedJSON() -> Data {
        try! Self.encoder.encode(JSONValue.object(jsonObject))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
