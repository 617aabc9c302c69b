import Foundation
import Testing

@testable import StandIns

@Suite struct NTLMAcceptorTests {
    /// MD4 reproduces RFC 1320's test suite, which NTLM's password hash depends on.
    @Test(arguments: [
        ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
        ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
        ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
        ("message digest", "d9130a8164549fe818874806e1c7014b"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536"),
    ])
    func md4MatchesRFC1320(_ input: String, _ expected: String) {
        #expect(MD4.hash(Array(input.utf8)).map { String(format: "%02x", $0) }.joined() == expected)
    }

    /// The challenge is a well-formed type 2 message carrying the server challenge.
    @Test func challengeIsATypeTwoMessage() {
        let acceptor = NTLMAcceptor()
        let message = acceptor.challenge()
        #expect(NTLMAcceptor.messageType(message) == 2)
        #expect(Array(message[24..<32]) == acceptor.serverChallenge)
    }
}
