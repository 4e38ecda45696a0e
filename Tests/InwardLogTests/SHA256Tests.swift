import Foundation
import InwardLog
import Testing

/// SHA-256 as the log chain and track hashes use it: FIPS 180-2's test
/// vectors, and coreutils' sha256sum on the same bytes.
@Suite("SHA256")
struct SHA256Tests {
    @Test("FIPS 180-2 vectors: empty, \"abc\", 448 bits, a million a's")
    func vectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the same digest as sha256sum on 100 000 varied bytes")
    func sameAsCoreutils() throws {
        var state: UInt32 = 12345
        let bytes = (0..<100_000).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(getpid()).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let expected = String(decoding: output.prefix(64), as: UTF8.self)
        #expect(SHA256.hex(bytes) == expected)
    }
}
