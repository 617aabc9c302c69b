import BrokerCore
internal import CredbrokerCurl
import Dispatch
import Foundation
import Synchronization

/// HTTPS calls to providers over libcurl. Transfers block, so they run on their own dispatch queue,
/// never on the server's event loops or Swift's cooperative pool. Only https; no redirects followed
/// (credentials must never travel to another host); link-local and cloud-metadata addresses refused;
/// responses capped; connect and total timeouts always set.
public struct UpstreamHTTPClient: Sendable {
    /// Limits and trust for every call this client makes.
    public struct Configuration: Sendable {
        public var connectTimeout: Duration
        public var totalTimeout: Duration
        public var maximumResponseBytes: Int
        /// PEM CA certificates trusted in addition to the system bundle (`CREDBROKER_UPSTREAM_CA`).
        public var extraCAPEM: String?

        public init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(15), maximumResponseBytes: Int = 16 * 1024 * 1024, extraCAPEM: String? = nil) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maximumResponseBytes = maximumResponseBytes
            self.extraCAPEM = extraCAPEM
        }
    }

    public let configuration: Configuration
    private let pool = CurlHandlePool()
    private static let queue = DispatchQueue(label: "credbroker.upstream", qos: .userInitiated, attributes: .concurrent)

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        let configuration = self.configuration
        let pool = self.pool
        return try await withCheckedThrowingContinuation { continuation in
            Self.queue.async {
                continuation.resume(with: Result { try Self.perform(request, configuration: configuration, pool: pool) })
            }
        }
    }

    private static func perform(_ request: UpstreamRequest, configuration: Configuration, pool: CurlHandlePool) throws -> UpstreamResponse {
        guard let url = URL(string: request.url), url.scheme?.lowercased() == "https", url.host != nil else {
            throw UpstreamError.refusedTarget("only https URLs are called")
        }
        let handle = try pool.take()
        defer { pool.give(handle) }
        let transfer = Transfer(limit: configuration.maximumResponseBytes)
        let context = Unmanaged.passRetained(transfer)
        defer { context.release() }

        try handle.set(CURLOPT_URL, request.url)
        try handle.set(CURLOPT_PROTOCOLS_STR, "https")
        try handle.set(CURLOPT_FOLLOWLOCATION, 0)
        try handle.set(CURLOPT_NOSIGNAL, 1)
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.wholeMilliseconds))
        try handle.set(CURLOPT_TIMEOUT_MS, Int(configuration.totalTimeout.wholeMilliseconds))
        try handle.set(CURLOPT_SSL_VERIFYPEER, 1)
        try handle.set(CURLOPT_SSL_VERIFYHOST, 2)
        let extraCAs = [configuration.extraCAPEM, request.extraCAPEM].compactMap { $0 }
        if !extraCAs.isEmpty {
            try handle.set(CURLOPT_CAINFO, try CABundleFiles.path(adding: extraCAs))
        }
        try handle.set(CURLOPT_WRITEDATA, pointer: context.toOpaque())
        try handle.setDataCallback(CURLOPT_WRITEFUNCTION) { data, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        try handle.set(CURLOPT_HEADERDATA, pointer: context.toOpaque())
        try handle.setDataCallback(CURLOPT_HEADERFUNCTION) { data, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        try handle.set(CURLOPT_PREREQDATA, pointer: context.toOpaque())
        try handle.setPrerequestCallback { user, primaryIP, _, _, _ in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let address = String(cString: primaryIP)
            guard !TargetAddress.isForbidden(address) else {
                transfer.refusedAddress = address
                return credbroker_CURL_PREREQFUNC_ABORT
            }
            return credbroker_CURL_PREREQFUNC_OK
        }
        switch request.authentication {
        case .none:
            break
        case .basic(let username, let password):
            try handle.set(CURLOPT_HTTPAUTH, Int(credbroker_CURLAUTH_BASIC))
            try handle.set(CURLOPT_USERNAME, username)
            try handle.set(CURLOPT_PASSWORD, password.revealUTF8())
        case .ntlm(let username, let password):
            try handle.set(CURLOPT_HTTPAUTH, Int(credbroker_CURLAUTH_NTLM))
            try handle.set(CURLOPT_USERNAME, username)
            try handle.set(CURLOPT_PASSWORD, password.revealUTF8())
        }
        try handle.setHeaders(request.headers + [("Expect", "")])
        let body = request.body ?? []
        let bodyPointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 1)
        defer { bodyPointer.deallocate() }
        if request.method == "POST" || request.body != nil {
            bodyPointer.copyBytes(from: body)
            try handle.set(CURLOPT_POST, 1)
            try handle.set(CURLOPT_POSTFIELDSIZE, body.count)
            // libcurl reads the body from this buffer during the transfer (no copy): it outlives perform().
            try handle.set(CURLOPT_POSTFIELDS, pointer: bodyPointer.baseAddress)
        }
        if request.method != "GET" && request.method != "POST" {
            try handle.set(CURLOPT_CUSTOMREQUEST, request.method)
        }

        let code = handle.perform()
        guard code == CURLE_OK else { throw classify(code, transfer: transfer, limit: configuration.maximumResponseBytes) }
        return UpstreamResponse(status: handle.responseCode(), headers: transfer.headers, body: transfer.body)
    }

    private static func classify(_ code: CURLcode, transfer: Transfer, limit: Int) -> UpstreamError {
        if transfer.tooLarge { return .responseTooLarge(limit: limit) }
        if let address = transfer.refusedAddress { return .refusedTarget("\(address) is a link-local or metadata address") }
        let text = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_COULDNT_RESOLVE_PROXY:
            return .unreachable(text)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_USE_SSL_FAILED:
            return .tls(text)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .refusedTarget(text)
        default:
            return .other(text)
        }
    }
}

/// Per-transfer state the C callbacks fill in; touched only by the thread running the transfer.
private final class Transfer {
    let limit: Int
    var body: [UInt8] = []
    var headers: [(String, String)] = []
    var tooLarge = false
    var refusedAddress: String?

    init(limit: Int) { self.limit = limit }

    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            tooLarge = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new response (after a 401 of an NTLM handshake): keep only the last one's headers.
            headers = []
            body = []
        } else if let colon = line.firstIndex(of: ":") {
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
    }
}

/// Addresses an integration's URL must never reach: link-local (where cloud metadata services live).
enum TargetAddress {
    static func isForbidden(_ address: String) -> Bool {
        let lowered = address.lowercased()
        if lowered.hasPrefix("169.254.") { return true }
        if lowered.hasPrefix("fe8") || lowered.hasPrefix("fe9") || lowered.hasPrefix("fea") || lowered.hasPrefix("feb") { return true }
        if lowered == "fd00:ec2::254" { return true }
        if lowered.hasPrefix("::ffff:169.254.") { return true }
        return false
    }
}
