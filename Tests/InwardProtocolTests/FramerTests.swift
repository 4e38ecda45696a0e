import Testing
@testable import InwardProtocol

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Drains every complete message.
private func drain(_ framer: inout VarlinkFramer) throws(VarlinkProtocolError) -> [[UInt8]] {
    var out: [[UInt8]] = []
    while let m = try framer.next() { out.append(m) }
    return out
}

@Suite("Varlink framing")
struct FramerTests {
    static let messages = [
        #"{"method":"io.inward.Session.Status"}"#,
        #"{"method":"io.inward.Session.Mark","parameters":{"kind":"note","text":"é 😀"}}"#,
        "",
        #"{"method":"org.varlink.service.GetInfo","more":false}"#,
    ]
    static var stream: [UInt8] { messages.flatMap { bytes($0) + [0] } }

    @Test func severalMessagesInOneChunk() throws {
        var f = VarlinkFramer()
        f.append(Self.stream)
        #expect(try drain(&f) == Self.messages.map(bytes))
        #expect(try f.next() == nil)
        #expect(f.bufferedByteCount == 0)
        #expect(f.isAtMessageBoundary)
    }

    @Test func byteByByte() throws {
        var f = VarlinkFramer()
        var got: [[UInt8]] = []
        for b in Self.stream {
            f.append([b])
            got += try drain(&f)
        }
        #expect(got == Self.messages.map(bytes))
        #expect(f.isAtMessageBoundary)
    }

    @Test func everyTwoWaySplitAndPseudoRandomChunks() throws {
        let stream = Self.stream
        for cut in 0...stream.count {
            var f = VarlinkFramer()
            f.append(Array(stream[..<cut]))
            var got = try drain(&f)
            f.append(Array(stream[cut...]))
            got += try drain(&f)
            #expect(got == Self.messages.map(bytes), "split at \(cut)")
        }
        // Deterministic pseudo-random chunk sizes over many repetitions of the stream.
        let big = Array(repeating: stream, count: 50).flatMap { $0 }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        var f = VarlinkFramer()
        var got: [[UInt8]] = []
        var i = 0
        while i < big.count {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let n = min(Int(seed >> 58) + 1, big.count - i)
            f.append(Array(big[i..<(i + n)]))
            got += try drain(&f)
            i += n
        }
        #expect(got.count == 50 * Self.messages.count)
        #expect(got == Array(repeating: Self.messages.map(bytes), count: 50).flatMap { $0 })
    }

    @Test func partialMessageIsHeldUntilItsNul() throws {
        var f = VarlinkFramer()
        f.append(bytes(#"{"method":"#))
        #expect(try f.next() == nil)
        #expect(!f.isAtMessageBoundary)
        #expect(f.bufferedByteCount == 10)
        f.append(bytes(#""a.b.C"}"#) + [0])
        #expect(try f.next() == bytes(#"{"method":"a.b.C"}"#))
    }

    @Test func messageOfExactlyTheLimitPassesOneMoreFails() throws {
        var f = VarlinkFramer(maxMessageSize: 8)
        f.append(Array(repeating: 0x61, count: 8) + [0])
        #expect(try f.next() == Array(repeating: 0x61, count: 8))
        f.append(Array(repeating: 0x62, count: 8))
        #expect(try f.next() == nil)
        f.append([0x62])
        #expect(throws: VarlinkProtocolError.messageTooLarge(limit: 8)) { try f.next() }
        // It stays failed, and stops buffering.
        f.append(Array(repeating: 0x63, count: 1000) + [0])
        #expect(throws: VarlinkProtocolError.messageTooLarge(limit: 8)) { try f.next() }
        #expect(f.bufferedByteCount <= 8)
    }

    @Test func oversizedMessageWithoutNulIsRejectedWithoutBufferingIt() throws {
        var f = VarlinkFramer() // 64 KiB
        let chunk = [UInt8](repeating: 0x20, count: 4096)
        var failedAfter: Int?
        for n in 1...100 {
            f.append(chunk)
            do {
                _ = try f.next()
            } catch {
                #expect(error == .messageTooLarge(limit: 65536))
                failedAfter = n
                break
            }
        }
        // 16 chunks are exactly 64 KiB: the 17th chunk makes it too large.
        #expect(failedAfter == 17)
        #expect(f.bufferedByteCount <= 65536)
    }

    @Test func messagesBeforeAnOversizedOneAreStillDelivered() throws {
        var f = VarlinkFramer(maxMessageSize: 16)
        f.append(bytes("{}") + [0] + bytes("[1]") + [0] + Array(repeating: 0x20, count: 40) + [0] + bytes("{}") + [0])
        #expect(try f.next() == bytes("{}"))
        #expect(try f.next() == bytes("[1]"))
        #expect(throws: VarlinkProtocolError.messageTooLarge(limit: 16)) { try f.next() }
    }

    @Test func oversizedCompleteMessageInsideOneChunkIsRejected() throws {
        var f = VarlinkFramer(maxMessageSize: 16)
        f.append(bytes("0123456789"))
        f.append(bytes("0123456789") + [0])
        #expect(throws: VarlinkProtocolError.messageTooLarge(limit: 16)) { try f.next() }
    }

    @Test func bufferIsCompactedAcrossManyMessages() throws {
        // Many messages with a partial one always pending: memory stays bounded.
        var f = VarlinkFramer(maxMessageSize: 1024)
        let message = bytes(#"{"method":"io.inward.Session.Status"}"#)
        var count = 0
        var pending: [UInt8] = []
        for _ in 0..<20_000 {
            // Send the rest of the previous message, a whole one and the first half of the next.
            let half = message.count / 2
            f.append(pending + [0] + message + [0] + Array(message[..<half]))
            pending = Array(message[half...])
            while let m = try f.next() {
                if !m.isEmpty { #expect(m == message) }
                count += 1
            }
            #expect(f.storageByteCount < 8192)
        }
        #expect(count == 40_000)
    }
}
