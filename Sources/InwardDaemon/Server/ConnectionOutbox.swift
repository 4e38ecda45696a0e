import InwardProtocol
import Synchronization

/// The part of a client connection that other threads touch: the reply bytes not
/// yet taken by the server thread, whether the connection is open, and whether the
/// call in flight has had its final reply. Everything else about a connection
/// belongs to the server thread (`ClientConnection`).
final class ConnectionOutbox: Sendable {
    struct State {
        /// Serialized replies waiting for the server thread to send them.
        var bytes: [UInt8] = []
        /// Bytes the server thread has taken but the socket has not accepted yet.
        var unsentByServer = 0
        /// False once the connection is closed: replies are dropped.
        var open = true
        /// A responder pushed the outbound bytes past the limit; the server closes.
        var overflowed = false
        /// Serial of the call in flight (0: none yet).
        var currentCall: UInt64 = 0
        /// The call in flight has had its final reply (or was cancelled).
        var currentCallDone = true
        /// On the wakeup's list, not yet taken by the loop.
        var markedReady = false
    }

    let id: ConnectionID
    let maxOutboundBytes: Int
    let wakeup: Wakeup
    let state = Mutex(State())

    init(id: ConnectionID, maxOutboundBytes: Int, wakeup: Wakeup) {
        self.id = id
        self.maxOutboundBytes = maxOutboundBytes
        self.wakeup = wakeup
    }

    /// Appends one serialized reply. `call` is the serial of the call it answers:
    /// a reply to a call that is no longer in flight (already finished, cancelled,
    /// or the connection closed) is dropped. `final` ends the call. From responders,
    /// `enforceLimit` closes the connection (via `overflowed`) when the outbound bytes
    /// would pass the limit; the server's own replies are bounded by its input
    /// back-pressure instead.
    func deliver(_ reply: [UInt8], call: UInt64?, final: Bool, enforceLimit: Bool) {
        let mark = state.withLock { s -> Bool in
            guard s.open, !s.overflowed else { return false }
            if let call {
                guard s.currentCall == call, !s.currentCallDone else { return false }
                if final { s.currentCallDone = true }
            }
            if enforceLimit && s.bytes.count + s.unsentByServer + reply.count > maxOutboundBytes {
                s.overflowed = true
                s.bytes = []
            } else {
                s.bytes.append(contentsOf: reply)
            }
            if s.markedReady { return false }
            s.markedReady = true
            return true
        }
        if mark { wakeup.markReady(self) }
    }

    /// True while the connection is open and, for a call, while it is still in flight.
    func isOpen(call: UInt64?) -> Bool {
        state.withLock { s in
            guard s.open else { return false }
            guard let call else { return true }
            return s.currentCall == call && !s.currentCallDone
        }
    }
}

/// The responder the server hands to the handler with each call.
///
/// Thread-safe: it serializes the reply on the caller's thread, appends the bytes
/// to the connection's outbox under its lock, and wakes the loop when called off
/// the server thread. Rules it enforces:
/// - a call without `more` ends with its first reply (`continues` is cleared);
/// - a `more` call ends with a reply without `continues`, or any error;
/// - replies after the end, after the connection closed, or to a `oneway` call
///   are dropped.
final class CallResponder: VarlinkResponder {
    private let outbox: ConnectionOutbox
    /// Serial of the call; nil for a `oneway` call (every reply is dropped).
    private let call: UInt64?
    private let more: Bool

    init(outbox: ConnectionOutbox, call: UInt64?, more: Bool) {
        self.outbox = outbox
        self.call = call
        self.more = more
    }

    func send(_ reply: VarlinkReply) {
        guard let call else { return }
        var reply = reply
        let final = !(more && reply.continues) || reply.error != nil
        if final { reply.continues = false }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)   // a Status reply is about 700 bytes
        reply.serialize(into: &bytes)
        outbox.deliver(bytes, call: call, final: final, enforceLimit: true)
    }

    /// False once the client has gone or this call has had its final reply.
    var isOpen: Bool { outbox.isOpen(call: call) }
}
