import Foundation
public import NIOSSL

/// The provider stand-ins with fixed accounts that the tests and `credbroker demo` talk to: a Microsoft
/// tenant (users in every condition, apps of every kind, Graph rooms), an FMIS token endpoint, an
/// on-premises Exchange, and Google (a Workspace account, a personal one, another domain's, a
/// service account with delegation to rooms@corp.example, room calendars).
public struct StandInSet: Sendable {
    public static let tenant = "corp.example"
    public static let publicApp = "11111111-2222-3333-4444-555555555555"
    public static let confidentialOnlyApp = "22222222-2222-3333-4444-555555555555"
    public static let expiredSecretApp = "33333333-2222-3333-4444-555555555555"
    public static let unconsentedApp = "44444444-2222-3333-4444-555555555555"
    public static let appSecret = "app-secret-value"
    public static let password = "right-password"
    public static let certificateApp = "55555555-2222-3333-4444-555555555555"
    public static let googleClientID = "credbroker-web.apps.googleusercontent.com"
    public static let googleClientSecret = "google-client-secret-value"
    public static let googleServiceAccount = "rooms-sync@credbroker-demo.iam.gserviceaccount.com"
    public static let googleCalendarScope = "https://www.googleapis.com/auth/calendar"

    public let microsoft: MicrosoftStandIn
    public let oauth2: OAuth2StandIn
    public let ews: EWSStandIn
    public let google: GoogleStandIn

    /// Starts the stand-ins on loopback with `tls`; `appCertificatePEM` is the certificate registered
    /// for `certificateApp` and for the Google service account.
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
        google = try await GoogleStandIn(
            clientID: Self.googleClientID, clientSecret: Self.googleClientSecret,
            accounts: [
                .init(email: "rooms@corp.example", sub: "110000000000000000001", hostedDomain: "corp.example"),
                .init(email: "jane@gmail.com", sub: "110000000000000000002", hostedDomain: nil),
                .init(email: "ops@partner.example", sub: "110000000000000000003", hostedDomain: "partner.example"),
            ],
            rooms: ["hq-101@resource.calendar.google.com": ["rooms@corp.example"], "boardroom@resource.calendar.google.com": []],
            tls: tls)
        google.register(serviceAccount: Self.googleServiceAccount, .init(certificatePEM: appCertificatePEM, subjects: ["rooms@corp.example"], scopes: [Self.googleCalendarScope]))
    }

    public func stop() async {
        await microsoft.server.stop()
        await oauth2.server.stop()
        await ews.server.stop()
        await google.server.stop()
    }

    /// Every stand-in back to answering normally.
    public func clearFaults() {
        for control in [microsoft.control, oauth2.control, ews.control, google.control] { control.fault = .none }
    }
}
