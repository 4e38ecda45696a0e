/// Splits a Varlink byte stream into messages. Each message is a JSON document
/// followed by a NUL byte; the framer returns the bytes before the NUL.
///
/// Feed whatever the socket returned with `append`, then call `next` until it returns
/// nil. Messages come out in order. A message longer than `maxMessageSize` (NUL not
/// counted) is an error as soon as its first `maxMessageSize + 1` bytes have arrived;
/// the framer stops buffering at that point, so a peer that never sends a NUL costs at
/// most `maxMessageSize` bytes. Complete messages that arrived before the oversized one
/// are still returned first; after that `next` throws `.messageTooLarge` every time and
/// the connection should be closed.
///
/// Cost is linear in the bytes appended: each byte is scanned once and the buffer is
/// compacted only when at least half of it has been consumed.
public struct VarlinkFramer: Sendable {
    /// Default limit on one message: 64 KiB.
    public static let defaultMaxMessageSize = 64 * 1024

    public let maxMessageSize: Int

    private var buffer: [UInt8] = []
    /// Start of the next message to return.
    private var readIndex = 0
    /// Just past the last NUL in `buffer`: `readIndex..<completeEnd` holds whole messages.
    private var completeEnd = 0
    /// Set once a message exceeded the limit; later input is dropped.
    private var overflowed = false

    public init(maxMessageSize: Int = VarlinkFramer.defaultMaxMessageSize) {
        precondition(maxMessageSize > 0, "maxMessageSize must be positive")
        self.maxMessageSize = maxMessageSize
    }

    /// Bytes held: complete messages not yet taken plus the partial message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True when no partial message is pending (a clean place for the peer to hang up).
    public var isAtMessageBoundary: Bool { buffer.count == completeEnd && !overflowed }

    /// Size of the internal storage, consumed bytes included (for tests of compaction).
    var storageByteCount: Int { buffer.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !overflowed, !bytes.isEmpty else { return }
        compactIfWorthwhile()
        var rest = bytes.assumingMemoryBound(to: UInt8.self)[...]
        while !rest.isEmpty {
            let partialLength = buffer.count - completeEnd
            if let nul = rest.firstIndex(of: 0) {
                if partialLength + (nul - rest.startIndex) > maxMessageSize {
                    overflowed = true
                    return
                }
                buffer.append(contentsOf: rest[rest.startIndex...nul])
                completeEnd = buffer.count
                rest = rest[(nul + 1)...]
            } else {
                if partialLength + rest.count > maxMessageSize {
                    overflowed = true
                    return
                }
                buffer.append(contentsOf: rest)
                return
            }
        }
    }

    /// Convenience for tests and callers holding an array.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete message without its NUL, nil if none is complete yet.
    public mutating func next() throws(VarlinkProtocolError) -> [UInt8]? {
        if readIndex < completeEnd {
            let start = readIndex
            var end = start
            // A NUL is guaranteed before completeEnd.
            while buffer[end] != 0 { end += 1 }
            readIndex = end + 1
            let message = Array(buffer[start..<end])
            if readIndex == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                readIndex = 0
                completeEnd = 0
            }
            return message
        }
        if overflowed {
            throw .messageTooLarge(limit: maxMessageSize)
        }
        return nil
    }

    private mutating func compactIfWorthwhile() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
        } else {
            return
        }
        completeEnd -= readIndex
        readIndex = 0
    }
}
