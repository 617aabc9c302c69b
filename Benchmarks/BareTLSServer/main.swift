// The framework's own ceiling for scripts/bench-hot-path.sh: Hummingbird over TLS (HummingbirdTLS,
// swift-nio-ssl, the same certificate) answering every request with a fixed body, no middleware.
// Usage: BareTLSServer PORT CERT.pem KEY.pem BODY-FILE
import Foundation
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL

let arguments = CommandLine.arguments
guard arguments.count == 5, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: BareTLSServer PORT CERT.pem KEY.pem BODY-FILE\n".utf8))
    exit(2)
}
let body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: arguments[4])))
let chain = try NIOSSLCertificate.fromPEMFile(arguments[2]).map { NIOSSLCertificateSource.certificate($0) }
let key = try NIOSSLPrivateKey(file: arguments[3], format: .pem)
var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
tls.minimumTLSVersion = .tlsv12

let router = Router()
router.on("{path}", method: .post) { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body)) }
router.on("{path}", method: .get) { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body)) }
let app = Application(router: router, server: try .tls(tlsConfiguration: tls), configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
