import Crypto
import Foundation

/// The server side of an NTLMv2 handshake (MS-NLMP), enough for a stand-in Exchange to check that a
/// client really proved the password: it issues a challenge with target info, then recomputes the
/// client's NTProofStr from the password it knows.
struct NTLMAcceptor: Sendable {
    let domain: String
    let serverChallenge: [UInt8]

    init(domain: String = "CORP") {
        self.domain = domain
        serverChallenge = (0..<8).map { _ in UInt8.random(in: 0...255) }
    }

    /// The decoded message type of an `NTLM <base64>` authorization value (1, 2 or 3), or nil.
    static func messageType(_ message: [UInt8]) -> UInt32? {
        guard message.count >= 12, Array(message[0..<8]) == Array("NTLMSSP\0".utf8) else { return nil }
        return readUInt32(message, 8)
    }

    /// The CHALLENGE_MESSAGE (type 2) answering a NEGOTIATE_MESSAGE.
    func challenge() -> [UInt8] {
        let targetName = Self.utf16(domain)
        var targetInfo: [UInt8] = []
        for (id, value) in [(UInt16(2), domain), (1, "EWS-STANDIN")] {
            let bytes = Self.utf16(value)
            targetInfo += Self.uint16(id) + Self.uint16(UInt16(bytes.count)) + bytes
        }
        targetInfo += [0, 0, 0, 0]  // MsvAvEOL
        let flags: UInt32 = 0x0000_0001 | 0x0000_0004 | 0x0000_0200 | 0x0000_8000 | 0x0001_0000 | 0x0008_0000 | 0x0080_0000 | 0x2000_0000 | 0x8000_0000
        let headerLength = 48
        var message = Array("NTLMSSP\0".utf8) + Self.uint32(2)
        message += Self.uint16(UInt16(targetName.count)) + Self.uint16(UInt16(targetName.count)) + Self.uint32(UInt32(headerLength))
        message += Self.uint32(flags) + serverChallenge + [UInt8](repeating: 0, count: 8)
        message += Self.uint16(UInt16(targetInfo.count)) + Self.uint16(UInt16(targetInfo.count)) + Self.uint32(UInt32(headerLength + targetName.count))
        return message + targetName + targetInfo
    }

    /// The logon name (`DOMAIN\user`, or the user alone when no domain was sent) an AUTHENTICATE_MESSAGE
    /// (type 3) proves, when its NTLMv2 response matches `password(for:)`; nil otherwise.
    func authenticate(_ message: [UInt8], password: (String) -> String?) -> String? {
        guard Self.messageType(message) == 3, message.count >= 64,
            let ntResponse = Self.field(message, at: 20), ntResponse.count > 16,
            let domainBytes = Self.field(message, at: 28), let userBytes = Self.field(message, at: 36)
        else { return nil }
        let user = String(decoding: Self.utf16Units(userBytes), as: UTF16.self)
        let domain = String(decoding: Self.utf16Units(domainBytes), as: UTF16.self)
        let logon = domain.isEmpty ? user : "\(domain)\\\(user)"
        guard let secret = password(logon) else { return nil }
        let ntHash = MD4.hash(Self.utf16(secret))
        let identity = Self.utf16(user.uppercased() + domain)
        let v2Hash = Array(HMAC<Insecure.MD5>.authenticationCode(for: identity, using: SymmetricKey(data: ntHash)))
        let proof = Array(ntResponse[0..<16])
        let blob = Array(ntResponse[16...])
        let expected = Array(HMAC<Insecure.MD5>.authenticationCode(for: serverChallenge + blob, using: SymmetricKey(data: v2Hash)))
        return expected == proof ? logon : nil
    }

    private static func field(_ message: [UInt8], at offset: Int) -> [UInt8]? {
        let length = Int(readUInt16(message, offset))
        let start = Int(readUInt32(message, offset + 4))
        guard start >= 0, start + length <= message.count else { return nil }
        return Array(message[start..<start + length])
    }

    private static func readUInt16(_ bytes: [UInt8], _ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
    private static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
    private static func uint16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    private static func uint32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * UInt32($0)) & 0xff) } }
    private static func utf16(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } }
    private static func utf16Units(_ bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }
}

/// MD4 (RFC 1320), which NTLM's password hash needs and modern crypto libraries no longer offer.
enum MD4 {
    static func hash(_ input: [UInt8]) -> [UInt8] {
        var message = input
        let bitLength = UInt64(input.count) * 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        message += (0..<8).map { UInt8(bitLength >> (8 * UInt64($0)) & 0xff) }
        var a: UInt32 = 0x6745_2301, b: UInt32 = 0xefcd_ab89, c: UInt32 = 0x98ba_dcfe, d: UInt32 = 0x1032_5476
        func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
        for chunk in stride(from: 0, to: message.count, by: 64) {
            let x = (0..<16).map { index in
                (0..<4).reduce(UInt32(0)) { $0 | UInt32(message[chunk + index * 4 + $1]) << (8 * UInt32($1)) }
            }
            let (aa, bb, cc, dd) = (a, b, c, d)
            let f = { (x: UInt32, y: UInt32, z: UInt32) in x & y | ~x & z }
            let g = { (x: UInt32, y: UInt32, z: UInt32) in x & y | x & z | y & z }
            let h = { (x: UInt32, y: UInt32, z: UInt32) in x ^ y ^ z }
            for i in [0, 4, 8, 12] {
                a = rotate(a &+ f(b, c, d) &+ x[i], 3)
                d = rotate(d &+ f(a, b, c) &+ x[i + 1], 7)
                c = rotate(c &+ f(d, a, b) &+ x[i + 2], 11)
                b = rotate(b &+ f(c, d, a) &+ x[i + 3], 19)
            }
            for i in [0, 1, 2, 3] {
                a = rotate(a &+ g(b, c, d) &+ x[i] &+ 0x5a82_7999, 3)
                d = rotate(d &+ g(a, b, c) &+ x[i + 4] &+ 0x5a82_7999, 5)
                c = rotate(c &+ g(d, a, b) &+ x[i + 8] &+ 0x5a82_7999, 9)
                b = rotate(b &+ g(c, d, a) &+ x[i + 12] &+ 0x5a82_7999, 13)
            }
            for i in [0, 2, 1, 3] {
                a = rotate(a &+ h(b, c, d) &+ x[i] &+ 0x6ed9_eba1, 3)
                d = rotate(d &+ h(a, b, c) &+ x[i + 8] &+ 0x6ed9_eba1, 9)
                c = rotate(c &+ h(d, a, b) &+ x[i + 4] &+ 0x6ed9_eba1, 11)
                b = rotate(b &+ h(c, d, a) &+ x[i + 12] &+ 0x6ed9_eba1, 15)
            }
            a = a &+ aa
            b = b &+ bb
            c = c &+ cc
            d = d &+ dd
        }
        return [a, b, c, d].flatMap { word in (0..<4).map { UInt8(word >> (8 * UInt32($0)) & 0xff) } }
    }
}
