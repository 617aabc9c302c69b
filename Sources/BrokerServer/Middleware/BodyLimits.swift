/// The largest request bodies the broker reads.
enum BodyLimits {
    /// Every JSON endpoint.
    static let api = 1024 * 1024
    /// The EWS pass-through (SOAP bodies can carry attachments).
    static let ews = 16 * 1024 * 1024
}
