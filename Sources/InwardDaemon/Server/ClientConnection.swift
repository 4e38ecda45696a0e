import InwardPOSIX
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// One client connection, as the server thread sees it: the socket, the framer,
/// the calls waiting their turn, and the bytes being written. Only the server
/// thread touches it; what other threads share lives in `outbox`.
final class ClientConnection {
    /// A message taken from the framer, waiting its turn.
    enum Pending {
        case call(VarlinkCall)
        /// A protocol error (malformed or oversized message): reply, then close.
        case fatal(VarlinkReply, String)
    }

    enum FlushResult {
        /// Everything taken from the outbox was sent.
        case done
        /// The socket is full; poll for POLLOUT.
        case blocked
        /// The peer is gone (EPIPE, ECONNRESET, ...).
        case failed(Int32)
    }

    let id: ConnectionID
    let fd: Int32
    let outbox: ConnectionOutbox
    var framer: VarlinkFramer

    /// Calls (and at most one fatal error, last) in arrival order.
    var queue: [Pending] = []
    var queueHead = 0
    var queuedCount: Int { queue.count - queueHead }

    /// A call is in flight: the next one waits for its final reply.
    var inFlight = false
    /// The call in flight is a `more` call (a stream).
    var inFlightMore = false
    /// Serial of the last call handed to the handler.
    var callSerial: UInt64 = 0

    /// No more input is read: EOF from the peer, or a fatal error is queued.
    var inputClosed = false
    /// The peer shut down its side (EOF): close once everything queued is answered.
    var peerFinished = false
    /// A fatal error was sent: close once it is flushed.
    var closeWhenFlushed = false
    var isClosed = false

    /// Bytes taken from the outbox, being written; `sendOffset` of them are written.
    var sending: [UInt8] = []
    var sendOffset = 0

    /// Who is connected: their credentials and the socket they came in on.
    let peer: VarlinkPeer

    init(id: ConnectionID, fd: Int32, peer: VarlinkPeer, outbox: ConnectionOutbox, maxMessageBytes: Int) {
        self.peer = peer
        self.id = id
        self.fd = fd
        self.outbox = outbox
        self.framer = VarlinkFramer(maxMessageSize: maxMessageBytes)
    }

    func enqueue(_ pending: Pending) {
        if queueHead > 0 && queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        }
        queue.append(pending)
    }

    func dequeue() -> Pending? {
        guard queueHead < queue.count else { return nil }
        let next = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        }
        return next
    }

    func clearQueue() {
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
    }

    /// Output not yet accepted by the socket: taken by this thread or still in the outbox.
    var unsentBytes: Int {
        (sending.count - sendOffset) + outbox.state.withLock { $0.bytes.count }
    }

    /// Writes as much output as the socket takes, without blocking.
    func flush() -> FlushResult {
        while true {
            if sendOffset == sending.count {
                sending.removeAll(keepingCapacity: true)
                sendOffset = 0
                outbox.state.withLock { s in
                    swap(&s.bytes, &sending)
                    s.unsentByServer = sending.count
                }
                if sending.isEmpty { return .done }
            }
            let sent: Int?
            do throws(SystemCallError) {
                sent = try SystemCall.nonBlocking("send") {
                    sending.withUnsafeBytes { buffer in
                        Glibc.send(fd, buffer.baseAddress! + sendOffset, buffer.count - sendOffset,
                                   Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                    }
                }
            } catch {
                return .failed(error.errno)
            }
            guard let sent else {
                let unsent = sending.count - sendOffset
                outbox.state.withLock { $0.unsentByServer = unsent }
                return .blocked
            }
            sendOffset += sent
        }
    }

    /// Everything written and nothing left to do.
    var isIdle: Bool { !inFlight && queuedCount == 0 && unsentBytes == 0 }
}
