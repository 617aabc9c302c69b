internal import CredbrokerCurl
import Foundation

/// Owns one `CURL*` easy handle and the header list given to it; frees both exactly once.
/// Unchecked Sendable: a handle is used by one transfer at a time, handed over only through `CurlHandlePool`.
final class CurlEasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// `curl_global_init` must run once, before any handle, and is not thread-safe itself.
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    init() throws {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw UpstreamError.other("libcurl could not create a handle") }
        pointer = handle
    }

    deinit {
        curl_easy_cleanup(pointer)
        if let headerList { curl_slist_free_all(headerList) }
    }

    /// Back to fresh options for the next transfer; live connections, TLS sessions and the CA cache
    /// stay, which is why handles are pooled.
    func reset() {
        curl_easy_reset(pointer)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(credbroker_curl_setopt_long(pointer, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws {
        try check(value.withCString { credbroker_curl_setopt_string(pointer, option, $0) }, option)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try check(credbroker_curl_setopt_pointer(pointer, option, value), option)
    }

    func setHeaders(_ headers: [(String, String)]) throws {
        for (name, value) in headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        try check(credbroker_curl_setopt_slist(pointer, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)
    }

    func setDataCallback(_ option: CURLoption, _ callback: credbroker_curl_data_callback) throws {
        try check(credbroker_curl_setopt_data_callback(pointer, option, callback), option)
    }

    func setPrerequestCallback(_ callback: credbroker_curl_prereq_callback) throws {
        try check(credbroker_curl_setopt_prereq_callback(pointer, callback), CURLOPT_PREREQFUNCTION)
    }

    func responseCode() -> Int {
        var code = 0
        _ = credbroker_curl_getinfo_long(pointer, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    func perform() -> CURLcode { curl_easy_perform(pointer) }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw UpstreamError.other("libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
