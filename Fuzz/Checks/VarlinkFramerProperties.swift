import InwardProtocol

/// Properties of `VarlinkFramer` (InwardProtocol's VarlinkFramer.swift): however the
/// byte stream is split into reads, it yields the same messages as a one-line model
/// (split at NUL), in order, and fails only on a message over the limit.
///
/// Input: byte 0 picks the size limit, byte 1 seeds the read sizes, the rest is the stream.
enum VarlinkFramerProperties {
    static func check(_ input: [UInt8]) throws(PropertyViolation) {
        guard input.count >= 2 else { return }
        let limit = input[0] < 0xC0 ? 1 + Int(input[0] % 64) : VarlinkFramer.defaultMaxMessageSize
        let stream = Array(input[2...])
        var sizes = ReadSizes(seed: input[1])

        let expected = model(stream, limit: limit)
        // The whole stream in one read, drained at the end.
        try compare(run([stream[...]], limit: limit, drainEachRead: false), expected, "one read")
        // Reads of 1 to 16 bytes, drained after each.
        try compare(run(sizes.split(stream[...]), limit: limit, drainEachRead: true), expected, "small reads")
        // One byte at a time, drained at the end.
        try compare(run(stream.indices.map { stream[$0...$0] }, limit: limit, drainEachRead: false), expected, "byte reads")
        // The stream repeated past 8 KiB in small drained reads, so the buffer compacts
        // (for one input in four: it costs more than the rest together).
        if !stream.isEmpty && stream.last == 0 && input[1] % 4 == 0 {
            let repeated = Array(repeating: stream, count: 8192 / stream.count + 2).flatMap { $0 }
            try compare(run(sizes.split(repeated[...]), limit: limit, drainEachRead: true),
                        model(repeated, limit: limit), "repeated stream")
        }
    }

    struct Outcome: Equatable {
        var messages: [[UInt8]]
        /// The framer refused a message over the limit.
        var overflow: Bool
        /// Bytes of an unfinished last message (when not overflowed).
        var partial: Int
    }

    /// The specification: messages are the bytes between NULs, in order, until the
    /// first one (finished or not) longer than the limit.
    static func model(_ stream: [UInt8], limit: Int) -> Outcome {
        var outcome = Outcome(messages: [], overflow: false, partial: 0)
        var start = 0
        for (i, byte) in stream.enumerated() where byte == 0 {
            if i - start > limit {
                outcome.overflow = true
                return outcome
            }
            outcome.messages.append(Array(stream[start..<i]))
            start = i + 1
        }
        let rest = stream.count - start
        if rest > limit { outcome.overflow = true } else { outcome.partial = rest }
        return outcome
    }

    static func run(_ reads: [ArraySlice<UInt8>], limit: Int, drainEachRead: Bool) throws(PropertyViolation) -> Outcome {
        var framer = VarlinkFramer(maxMessageSize: limit)
        var outcome = Outcome(messages: [], overflow: false, partial: 0)
        func drain() throws(PropertyViolation) {
            while true {
                let message: [UInt8]?
                do {
                    message = try framer.next()
                } catch {
                    try require(error == .messageTooLarge(limit: limit), "overflow is messageTooLarge(limit)",
                                "next() threw \(error)")
                    outcome.overflow = true
                    return
                }
                guard let message else { return }
                try require(!outcome.overflow, "no message after an overflow", "a message came after messageTooLarge")
                outcome.messages.append(message)
            }
        }
        for read in reads {
            read.withUnsafeBytes { framer.append($0) }
            if drainEachRead { try drain() }
        }
        try drain()
        if outcome.overflow {
            // Once over the limit, always over the limit.
            framer.append([0x7B, 0x7D, 0x00])
            try require((try? framer.next()) == nil, "overflow is final", "next() returned a message after messageTooLarge")
            try require(!framer.isAtMessageBoundary, "overflow is not a boundary", "isAtMessageBoundary after an overflow")
        } else {
            outcome.partial = framer.bufferedByteCount
            try require(framer.isAtMessageBoundary == (outcome.partial == 0), "boundary means nothing pending",
                        "isAtMessageBoundary \(framer.isAtMessageBoundary) with \(outcome.partial) bytes pending")
        }
        return outcome
    }

    static func compare(_ got: Outcome, _ expected: Outcome, _ how: String) throws(PropertyViolation) {
        try require(got.messages == expected.messages, "framing independent of reads",
                    "\(how): \(got.messages.count) message(s), expected \(expected.messages.count); first difference at message \(zip(got.messages, expected.messages).prefix { $0 == $1 }.count)")
        try require(got.overflow == expected.overflow, "overflow exactly past the limit",
                    "\(how): overflow \(got.overflow), expected \(expected.overflow)")
        try require(got.partial == expected.partial, "pending bytes are the unfinished message",
                    "\(how): \(got.partial) bytes pending, expected \(expected.partial)")
    }

    /// Read sizes of 1 to 16 bytes from a small linear congruential generator.
    struct ReadSizes {
        var state: UInt32
        init(seed: UInt8) { state = UInt32(seed) &* 2_654_435_761 &+ 1 }

        mutating func split(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
            var reads: [ArraySlice<UInt8>] = []
            var start = bytes.startIndex
            while start < bytes.endIndex {
                state = state &* 1_664_525 &+ 1_013_904_223
                let size = 1 + Int(state >> 28)
                let end = min(start + size, bytes.endIndex)
                reads.append(bytes[start..<end])
                start = end
            }
            return reads
        }
    }
}
