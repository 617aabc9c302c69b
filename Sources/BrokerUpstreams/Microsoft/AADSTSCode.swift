import BrokerCore

/// What an AADSTS error code means for the person who entered the credentials: the verify code,
/// a message a facility manager understands, a hint saying what to do, and which input box is wrong.
struct AADSTSRemedy {
    let code: VerifyCode
    let message: String
    let hint: String
    let fields: [String: String]

    /// The remedy for Microsoft's `error_codes`, first known code wins.
    static func remedy(for codes: [Int], account: String?, tenant: String) -> AADSTSRemedy? {
        let who = account ?? "the service account"
        for code in codes {
            switch code {
            case 50126:
                return .init(code: .invalidCredentials, message: "Office 365 rejected the password for \(who).",
                    hint: "Check the password; if it was changed recently, enter the new one.", fields: ["account": "ok", "password": "invalid"])
            case 50034:
                return .init(code: .accountNotFound, message: "There is no account \(who) in the tenant \(tenant).",
                    hint: "Check the email address for typos, and that the tenant is the one the account belongs to.", fields: ["account": "invalid", "tenant": "unchecked", "password": "unchecked"])
            case 50053:
                return .init(code: .accountLocked, message: "\(who) is locked after too many failed sign-ins (or sign-in from this address is blocked).",
                    hint: "Wait for the lock to expire or ask your Microsoft 365 admin to unlock the account, then verify again.", fields: ["account": "invalid", "password": "unchecked"])
            case 50055, 50144:
                return .init(code: .passwordExpired, message: "The password of \(who) has expired.",
                    hint: "Reset the password (sign in once at https://portal.office.com), then enter the new one here.", fields: ["account": "ok", "password": "invalid"])
            case 50057:
                return .init(code: .accountDisabled, message: "\(who) is disabled in Microsoft Entra ID.",
                    hint: "Ask your Microsoft 365 admin to enable the account, or use another service account.", fields: ["account": "invalid", "password": "unchecked"])
            case 50076, 50079, 50158:
                return .init(code: .mfaRequired, message: "\(who) must use multi-factor authentication, which a service account signing in with a password cannot do.",
                    hint: "Exclude this service account from MFA with a Conditional Access policy, or switch this integration to app-only sign-in with a certificate.", fields: ["account": "ok", "password": "ok"])
            case 53003, 53000, 53001, 530032, 530035:
                return .init(code: .conditionalAccessBlocked, message: "A Conditional Access policy blocks \(who) from signing in here.",
                    hint: "Ask your Microsoft 365 admin to allow this service account from the broker's network, or use app-only sign-in.", fields: ["account": "ok", "password": "ok"])
            case 65001, 90094:
                return .init(code: .consentRequired, message: "The app has not been granted the permissions it asks for.",
                    hint: "An admin must grant consent for the app's API permissions (Entra ID › App registrations › API permissions › Grant admin consent).", fields: ["client_id": "ok"])
            case 7000218:
                return .init(code: .publicClientFlowsDisabled, message: "The app does not allow signing in with a password (public client flows are off).",
                    hint: "In Entra ID › App registrations › Authentication, set 'Allow public client flows' to Yes, or add a client secret.", fields: ["client_id": "ok", "account": "unchecked", "password": "unchecked"])
            case 90002, 50128, 50059:
                return .init(code: .tenantNotFound, message: "There is no Microsoft tenant '\(tenant)'.",
                    hint: "Enter the tenant's domain (corp.example or corp.onmicrosoft.com) or its Directory (tenant) ID.", fields: ["tenant": "invalid"])
            case 700016:
                return .init(code: .invalidClient, message: "No app with this client ID exists in the tenant \(tenant).",
                    hint: "Copy the Application (client) ID from Entra ID › App registrations › Overview, and check the tenant.", fields: ["client_id": "invalid", "tenant": "unchecked"])
            case 7000215:
                return .init(code: .invalidClient, message: "Office 365 rejected the client secret.",
                    hint: "Enter the secret's Value (not its Secret ID) from Entra ID › App registrations › Certificates & secrets.", fields: ["client_id": "ok", "client_secret": "invalid"])
            case 7000222:
                return .init(code: .clientSecretExpired, message: "The app's client secret has expired.",
                    hint: "Create a new client secret in Entra ID › App registrations › Certificates & secrets and enter it here.", fields: ["client_id": "ok", "client_secret": "invalid"])
            case 700027, 50012:
                return .init(code: .invalidClient, message: "Office 365 rejected the app's certificate.",
                    hint: "Upload this certificate to the app (Certificates & secrets › Certificates) and check it matches the private key.", fields: ["client_id": "ok", "certificate": "invalid", "private_key": "unchecked"])
            case 50196, 90055:
                return .init(code: .throttled, message: "Microsoft is throttling sign-ins for this account or tenant.",
                    hint: "Wait a few minutes, then verify again.", fields: [:])
            default:
                continue
            }
        }
        return nil
    }
}
