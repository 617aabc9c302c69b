import BrokerCore
import BrokerSealing
import Foundation
import Testing

struct GCMVector: Decodable, Sendable, CustomTestStringConvertible {
    let name, key, iv, aad, plaintext, ciphertext, tag: String
    var testDescription: String { name }

    static let all: [GCMVector] = {
        struct File: Decodable { let cases: [GCMVector] }
        let url = Bundle.module.url(forResource: "Vectors/aes-256-gcm", withExtension: "json")!
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }()
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self = bytes
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

@Suite struct AESGCMTests {
    /// Encryption reproduces the published ciphertext and tag for each known-answer vector.
    @Test(arguments: GCMVector.all)
    func sealMatchesPublishedVectors(_ vector: GCMVector) throws {
        let key = [UInt8](hex: vector.key)
        let plaintext = [UInt8](hex: vector.plaintext)
        let (ciphertext, tag) = try key.withUnsafeBytes { key in
            try plaintext.withUnsafeBytes { try AESGCM.seal($0, key: key, nonce: [UInt8](hex: vector.iv), aad: [UInt8](hex: vector.aad)) }
        }
        #expect(ciphertext.hex == vector.ciphertext)
        #expect(tag.hex == vector.tag)
    }

    /// Decryption of each vector gives back the plaintext, and a flipped tag bit is refused.
    @Test(arguments: GCMVector.all)
    func openVerifiesPublishedVectors(_ vector: GCMVector) throws {
        let key = [UInt8](hex: vector.key)
        let opened = try key.withUnsafeBytes { key in
            try AESGCM.open([UInt8](hex: vector.ciphertext), key: key, nonce: [UInt8](hex: vector.iv), tag: [UInt8](hex: vector.tag), aad: [UInt8](hex: vector.aad))
        }
        #expect(opened?.revealBytes().hex == vector.plaintext)
        var badTag = [UInt8](hex: vector.tag)
        badTag[0] ^= 1
        let refused = try key.withUnsafeBytes { key in
            try AESGCM.open([UInt8](hex: vector.ciphertext), key: key, nonce: [UInt8](hex: vector.iv), tag: badTag, aad: [UInt8](hex: vector.aad))
        }
        #expect(refused == nil)
    }

    /// One cipher reused for many messages (as a rewrap does) gives each vector's answer every time,
    /// also after a refused message in between.
    @Test(arguments: GCMVector.all)
    func reusedCipherMatchesVectors(_ vector: GCMVector) throws {
        let key = [UInt8](hex: vector.key)
        let (sealing, opening) = try key.withUnsafeBytes { key in
            (try AESGCMCipher(key: key, direction: .seal), try AESGCMCipher(key: key, direction: .open))
        }
        let plaintext = [UInt8](hex: vector.plaintext)
        var badTag = [UInt8](hex: vector.tag)
        badTag[0] ^= 1
        for _ in 0..<3 {
            let (ciphertext, tag) = try plaintext.withUnsafeBytes { try sealing.seal($0, nonce: [UInt8](hex: vector.iv), aad: [UInt8](hex: vector.aad)) }
            #expect(ciphertext.hex == vector.ciphertext && tag.hex == vector.tag)
            #expect(try opening.open(ciphertext, nonce: [UInt8](hex: vector.iv), tag: badTag, aad: [UInt8](hex: vector.aad)) == nil)
            #expect(try opening.open(ciphertext, nonce: [UInt8](hex: vector.iv), tag: tag, aad: [UInt8](hex: vector.aad))?.revealBytes().hex == vector.plaintext)
        }
    }
}
