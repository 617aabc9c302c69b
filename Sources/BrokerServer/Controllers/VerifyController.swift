import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerUpstreams
import Foundation
import Hummingbird

/// "Verify with …" (role `admin`): a draft that is not stored, or a stored integration whose status follows.
/// A verify that ran answers 200 whether the credentials worked or not; `ok` says which.
struct VerifyController {
    let dependencies: BrokerDependencies

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.post("verify", use: verifyDraft)
        group.post("integrations/{name}/verify", use: verifyStored)
    }

    func verifyDraft(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try caller.require(.admin)
        let body = try await RequestBody.json(request, context: context)
        let draft: IntegrationDraft
        do {
            draft = try IntegrationDraft.parse(body)
        } catch {
            throw BrokerErrorResponse(error)
        }
        try caller.require(.admin, for: draft.name)
        let result = await dependencies.verifier.verify(draft.settings, secrets: draft.secrets)
        audit(caller, draft.name, result, draft: true)
        return try JSONResponse.make(VerifyResponse(result))
    }

    func verifyStored(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try IntegrationController.name(request, context: context)
        try caller.require(.admin, for: name)
        if request.headers[.contentLength].flatMap(Int.init) ?? 0 > 0 || request.headers[.transferEncoding] != nil {
            let body = try await RequestBody.json(request, context: context)
            guard case .object(let object) = body else { throw BrokerErrorResponse(.invalidRequest("The request body must be a JSON object.")) }
            var reader = ObjectReader(object, path: "")
            if reader.has("rooms") {
                reader.fail("rooms", "room checks are not supported by this version yet; verify without rooms")
            }
            reader.consume("rooms")
            reader.rejectUnknownFields()
            if !reader.errors.isEmpty { throw BrokerErrorResponse(.validationFailed(reader.errors)) }
        }
        guard let integration = try await dependencies.integrations.integration(named: name) else {
            throw BrokerErrorResponse(.integrationNotFound(name.rawValue))
        }
        let sealed = try await dependencies.integrations.sealedSecrets(of: name)
        var secrets: [SecretField: SecretValue] = [:]
        for (field, value) in sealed {
            secrets[field] = try dependencies.sealer.open(value, for: SealingContext(integration: name, field: field))
        }
        let result = await dependencies.verifier.verify(integration.settings, secrets: secrets)
        let stored = try await record(result, on: integration)
        audit(caller, name, result, draft: false)
        return try JSONResponse.make(VerifyResponse(result, integration: IntegrationResponse(stored, now: dependencies.now())))
    }

    /// Stores the outcome on the integration; retried once when a concurrent change got there first.
    private func record(_ result: VerifyResult, on integration: Integration) async throws -> Integration {
        var current = integration
        for attempt in 0..<2 {
            var updated = current
            if result.code != .notSupported {
                updated.status = result.resultingStatus
                if result.ok {
                    updated.lastVerifiedAt = result.checkedAt
                    updated.lastError = nil
                } else {
                    updated.lastError = LastError(code: result.code.rawValue, message: result.message, at: result.checkedAt)
                }
            }
            do {
                return try await dependencies.integrations.update(updated, expectedRevision: current.revision, secrets: [:], removing: [])
            } catch let error as BrokerError where error.code == "conflict" && attempt == 0 {
                guard let fresh = try await dependencies.integrations.integration(named: integration.name) else { throw error }
                current = fresh
            }
        }
        return current
    }

    private func audit(_ caller: Caller, _ name: IntegrationName, _ result: VerifyResult, draft: Bool) {
        dependencies.audit.record(AuditEvent(
            event: "integration.verified", caller: caller.name, integration: name.rawValue, outcome: result.ok ? "ok" : "failed",
            code: result.code.rawValue, detail: draft ? ["draft": "true"] : nil, at: dependencies.now()))
    }
}
