extension Duration {
    /// Whole milliseconds, for C APIs, logs and metrics that count in them.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
