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

    static let maximumRooms = 100

    func addRoutes(to group: RouterGroup<BrokerRequestContext>) {
        group.post("verify", use: verifyDraft)
        group.post("integrations/{name}/verify", use: verifyStored)
    }

    func verifyDraft(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try caller.require(.admin)
        // ProblemMiddleware answers a thrown BrokerError with its problem document.
        let draft = try IntegrationDraft.parse(try await RequestBody.json(request, context: context))
        try caller.require(.admin, for: draft.name)
        try throttle(caller)
        let result = await dependencies.verifier.verify(draft.settings, secrets: draft.secrets)
        audit(caller, draft.name, result, draft: true)
        return try JSONResponse.make(VerifyResponse(result))
    }

    /// Each verification sends credentials upstream: a client gets `CREDBROKER_VERIFY_RATE_PER_MINUTE`.
    private func throttle(_ caller: Caller) throws {
        if let wait = dependencies.verifyLimiter.take(caller.name) {
            dependencies.audit.record(AuditEvent(event: "integration.verified", caller: caller.name, outcome: "throttled", code: "rate_limited", at: dependencies.now()))
            throw BrokerErrorResponse(.rateLimited("Client '\(caller.name)' verified too often; try again in a moment."), headers: [.retryAfter: "\(max(1, Int(wait.rounded(.up))))"])
        }
    }

    func verifyStored(_ request: Request, context: BrokerRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let name = try IntegrationController.name(request, context: context)
        try caller.require(.admin, for: name)
        try throttle(caller)
        var rooms: [String] = []
        if request.headers[.contentLength].flatMap(Int.init) ?? 0 > 0 || request.headers[.transferEncoding] != nil {
            let body = try await RequestBody.json(request, context: context)
            guard case .object(let object) = body else { throw BrokerErrorResponse(.invalidRequest("The request body must be a JSON object.")) }
            var reader = ObjectReader(object, path: "")
            rooms = reader.stringArray("rooms") ?? []
            for (index, room) in rooms.enumerated() where !FieldChecks.isEmail(room) {
                reader.append([FieldError(field: "rooms[\(index)]", message: "must be a room's email address")])
            }
            if rooms.count > Self.maximumRooms { reader.fail("rooms", "may name at most \(Self.maximumRooms) rooms per verify") }
            reader.rejectUnknownFields()
            if !reader.errors.isEmpty { throw BrokerErrorResponse(.validationFailed(reader.errors)) }
        }
        let verification = StoredVerification(
            store: dependencies.integrations, keyring: dependencies.keyring, verifier: dependencies.verifier, webhooks: dependencies.webhooks)
        guard let (result, stored) = try await verification.verify(name, rooms: rooms) else {
            throw BrokerErrorResponse(.integrationNotFound(name.rawValue))
        }
        audit(caller, name, result, draft: false)
        return try JSONResponse.make(VerifyResponse(result, integration: IntegrationResponse(stored, now: dependencies.now())))
    }

    private func audit(_ caller: Caller, _ name: IntegrationName, _ result: VerifyResult, draft: Bool) {
        dependencies.audit.record(AuditEvent(
            event: "integration.verified", caller: caller.name, integration: name.rawValue, outcome: result.ok ? "ok" : "failed",
            code: result.code.rawValue, detail: draft ? ["draft": "true"] : nil, at: dependencies.now()))
    }
}
