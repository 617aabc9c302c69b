import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import Foundation
import Hummingbird

/// `/v1/integrations`: list, create, read, change and delete integrations (role `admin`).
struct IntegrationController {
    let dependencies: BrokerDependencies

    static let defaultPageSize = 1000
    static let maximumPageSize = 5000

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.get("integrations", use: list)
        group.post("integrations", use: create)
        group.get("integrations/{name}", use: get)
        group.patch("integrations/{name}", use: patch)
        group.delete("integrations/{name}", use: delete)
    }

    func list(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try caller.require(.admin)
        var errors: [FieldError] = []
        let parameters = request.uri.queryParameters
        var query = IntegrationQuery(patterns: caller.client.patterns)
        if let kind = parameters["kind"].map(String.init) {
            query.kind = IntegrationKind(rawValue: kind)
            if query.kind == nil { errors.append(FieldError(field: "kind", message: "must be one of \(IntegrationKind.allCases.map(\.rawValue).joined(separator: ", "))")) }
        }
        if let status = parameters["status"].map(String.init) {
            query.status = IntegrationStatus(rawValue: status)
            if query.status == nil { errors.append(FieldError(field: "status", message: "must be one of \(IntegrationStatus.allCases.map(\.rawValue).joined(separator: ", "))")) }
        }
        var limit = Self.defaultPageSize
        if let raw = parameters["limit"].map(String.init) {
            if let value = Int(raw), (1...Self.maximumPageSize).contains(value) {
                limit = value
            } else {
                errors.append(FieldError(field: "limit", message: "must be a whole number from 1 to \(Self.maximumPageSize)"))
            }
        }
        if let cursor = parameters["cursor"].map(String.init) {
            query.after = Cursor.decode(cursor)
            if query.after == nil { errors.append(FieldError(field: "cursor", message: "is not a cursor this server issued; start again without it")) }
        }
        guard errors.isEmpty else { throw BrokerErrorResponse(.validationFailed(errors)) }
        query.limit = limit + 1
        var page = try await dependencies.integrations.list(query)
        var nextCursor: String?
        if page.count > limit {
            page.removeLast(page.count - limit)
            nextCursor = page.last.map { Cursor.encode($0.name) }
        }
        let now = dependencies.now()
        return try JSONResponse.make(IntegrationListResponse(integrations: page.map { IntegrationResponse($0, now: now) }, nextCursor: nextCursor))
    }

    func create(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try caller.require(.admin)
        let body = try await RequestBody.json(request, context: context)
        let draft: IntegrationDraft
        do {
            draft = try IntegrationDraft.parse(body)
        } catch {
            audit(caller, "integration.created", nil, outcome: "invalid", code: error.code)
            throw BrokerErrorResponse(error)
        }
        try caller.require(.admin, for: draft.name)
        let now = dependencies.now()
        let sealed = try seal(draft.secrets, for: draft.name)
        let integration = Integration(
            name: draft.name, displayName: draft.displayName, settings: draft.settings,
            secrets: sealed.mapValues { SecretMetadata(updatedAt: now, keyVersion: $0.keyVersion) },
            status: Integration.initialStatus(for: draft.settings, hasRefreshToken: false),
            createdAt: now, updatedAt: now)
        do {
            try await dependencies.integrations.create(integration, secrets: sealed)
        } catch let error as BrokerError {
            audit(caller, "integration.created", draft.name.rawValue, outcome: "refused", code: error.code)
            throw BrokerErrorResponse(error)
        }
        audit(caller, "integration.created", draft.name.rawValue, outcome: "ok", detail: Self.describe(integration, secrets: Array(draft.secrets.keys)))
        return try JSONResponse.make(
            IntegrationResponse(integration, now: now), status: .created,
            headers: [.location: "/v1/integrations/\(integration.name.rawValue)"])
    }

    func get(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let (_, integration) = try await load(request, context: context)
        return try JSONResponse.make(IntegrationResponse(integration, now: dependencies.now()))
    }

    func patch(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let (caller, current) = try await load(request, context: context)
        let body = try await RequestBody.json(request, context: context, mediaTypes: ["application/json", "application/merge-patch+json"])
        let outcome: IntegrationPatch.Outcome
        do {
            outcome = try IntegrationPatch.parse(body, current: current).apply(to: current)
        } catch {
            audit(caller, "integration.updated", current.name.rawValue, outcome: "invalid", code: error.code)
            throw BrokerErrorResponse(error)
        }
        let now = dependencies.now()
        let sealed = try seal(outcome.newSecrets, for: current.name)
        var updated = current
        updated.displayName = outcome.displayName
        updated.settings = outcome.settings
        updated.updatedAt = now
        if outcome.credentialsChanged {
            let keepsRefreshToken = current.secrets[.refreshToken] != nil && !outcome.removedSecrets.contains(.refreshToken)
            updated.status = Integration.initialStatus(for: outcome.settings, hasRefreshToken: keepsRefreshToken)
            updated.lastError = nil
            if !keepsRefreshToken {
                updated.linkedAccount = nil
                updated.linkedSubject = nil
            }
        }
        let stored: Integration
        do {
            stored = try await dependencies.integrations.update(updated, expectedRevision: current.revision, secrets: sealed, removing: outcome.removedSecrets)
        } catch let error as BrokerError {
            audit(caller, "integration.updated", current.name.rawValue, outcome: "refused", code: error.code)
            throw BrokerErrorResponse(error)
        }
        var detail = Self.describe(stored, secrets: Array(outcome.newSecrets.keys))
        if !outcome.removedSecrets.isEmpty { detail["secrets_removed"] = outcome.removedSecrets.map(\.rawValue).sorted().joined(separator: ",") }
        audit(caller, "integration.updated", stored.name.rawValue, outcome: "ok", detail: detail)
        return try JSONResponse.make(IntegrationResponse(stored, now: now))
    }

    func delete(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try Self.name(request, context: context)
        try caller.require(.admin, for: name)
        // A linked Google grant is revoked first: once its sealed copy is destroyed it could not be.
        var revoked: Bool?
        if let integration = try await dependencies.integrations.integration(named: name), integration.secrets[.refreshToken] != nil {
            revoked = await GoogleGrant(dependencies: dependencies).revoke(integration)
        }
        guard try await dependencies.integrations.delete(named: name) else {
            throw BrokerErrorResponse(.integrationNotFound(name.rawValue))
        }
        dependencies.tokens.invalidate(name)
        audit(caller, "integration.deleted", name.rawValue, outcome: "ok", detail: revoked.map { ["revoked_upstream": $0 ? "true" : "false"] })
        return Response(status: .noContent)
    }

    // MARK: Helpers

    /// The caller and the integration the path names, for an admin allowed to reach it; 404 otherwise.
    func load(_ request: Request, context: BrokerRequestContext) async throws -> (Caller, Integration) {
        let caller = try context.requireCaller()
        let name = try Self.name(request, context: context)
        // The pattern check comes first, so a caller cannot learn which names exist outside its scope.
        try caller.require(.admin, for: name)
        guard let integration = try await dependencies.integrations.integration(named: name) else {
            throw BrokerErrorResponse(.integrationNotFound(name.rawValue))
        }
        return (caller, integration)
    }

    static func name(_ request: Request, context: BrokerRequestContext) throws -> IntegrationName {
        let raw = context.parameters.get("name") ?? ""
        guard let name = IntegrationName(raw) else { throw BrokerErrorResponse(.integrationNotFound(raw)) }
        return name
    }

    private func seal(_ secrets: [SecretField: SecretValue], for name: IntegrationName) throws -> [SecretField: SealedSecret] {
        let sealer = dependencies.sealer
        var sealed: [SecretField: SealedSecret] = [:]
        for (field, value) in secrets {
            sealed[field] = try sealer.seal(value, for: SealingContext(integration: name, field: field))
        }
        return sealed
    }

    private func audit(_ caller: Caller, _ event: String, _ integration: String?, outcome: String, code: String? = nil, detail: [String: String]? = nil) {
        dependencies.audit.record(AuditEvent(event: event, caller: caller.name, integration: integration, outcome: outcome, code: code, detail: detail, at: dependencies.now()))
    }

    private static func describe(_ integration: Integration, secrets: [SecretField]) -> [String: String] {
        var detail = ["kind": integration.kind.rawValue, "status": integration.status.rawValue]
        if !secrets.isEmpty { detail["secrets_set"] = secrets.map(\.rawValue).sorted().joined(separator: ",") }
        return detail
    }
}

/// Opaque page cursors: the last name of a page, base64url-encoded.
enum Cursor {
    static func encode(_ name: IntegrationName) -> String {
        Base64URL.encode(Array(name.rawValue.utf8))
    }

    static func decode(_ cursor: String) -> IntegrationName? {
        Base64URL.decode(cursor).flatMap { IntegrationName(String(decoding: $0, as: UTF8.self)) }
    }
}
