import Foundation
public import NIOSSL

/// The provider stand-ins with fixed accounts that the tests and `credbroker demo` talk to: a Microsoft
/// tenant (users in every condition, apps of every kind, Graph rooms), an FMIS token endpoint and an
/// on-premises Exchange.
public struct StandInSet: Sendable {
    public static let tenant = "corp.example"
    public static let publicApp = "11111111-2222-3333-4444-555555555555"
    public static let confidentialOnlyApp = "22222222-2222-3333-4444-555555555555"
    public static let expiredSecretApp = "33333333-2222-3333-4444-555555555555"
    public static let unconsentedApp = "44444444-2222-3333-4444-555555555555"
    public static let appSecret = "app-secret-value"
    public static let password = "right-password"
    public static let certificateApp = "55555555-2222-3333-4444-555555555555"

    public let microsoft: MicrosoftStandIn
    public let oauth2: OAuth2StandIn
    public let ews: EWSStandIn

    /// Starts the three stand-ins on loopback with `tls`; `appCertificatePEM` is the certificate
    /// registered for `certificateApp`.
    public init(tls: TLSConfiguration, appCertificatePEM: String) async throws {
        microsoft = try await MicrosoftStandIn(
            tenants: [
                .init(
                    names: [Self.tenant, "corp.onmicrosoft.com", "9a8b7c6d-0000-4000-8000-000000000001"],
                    apps: [
                        Self.publicApp: .init(secret: Self.appSecret),
                        Self.confidentialOnlyApp: .init(secret: Self.appSecret, publicClientFlows: false),
                        Self.expiredSecretApp: .init(secret: "old-secret", secretExpired: true),
                        Self.unconsentedApp: .init(secret: Self.appSecret, consented: false),
                        Self.certificateApp: .init(certificatePEM: appCertificatePEM),
                    ],
                    users: [
                        "rooms@corp.example": .init(password: Self.password),
                        "mfa@corp.example": .init(password: Self.password, condition: .mfaRequired),
                        "locked@corp.example": .init(password: Self.password, condition: .locked),
                        "disabled@corp.example": .init(password: Self.password, condition: .disabled),
                        "expired@corp.example": .init(password: Self.password, condition: .passwordExpired),
                        "blocked@corp.example": .init(password: Self.password, condition: .conditionalAccess),
                    ])
            ],
            rooms: ["hq-101@corp.example": true, "boardroom@corp.example": false],
            tls: tls)
        oauth2 = try await OAuth2StandIn(clients: ["broker": .init(secret: Self.appSecret, allowedScopes: ["rooms.read", "rooms.write"])], tls: tls)
        ews = try await EWSStandIn(
            users: ["CORP\\rooms": Self.password, "rooms@corp.example": Self.password],
            mailboxes: ["rooms@corp.example", "hq-101@corp.example", "boardroom@corp.example"], restricted: ["boardroom@corp.example"], tls: tls)
    }

    public func stop() async {
        await microsoft.server.stop()
        await oauth2.server.stop()
        await ews.server.stop()
    }

    /// Every stand-in back to answering normally.
    public func clearFaults() {
        for control in [microsoft.control, oauth2.control, ews.control] { control.fault = .none }
    }
}
