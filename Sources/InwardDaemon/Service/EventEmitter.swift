public import InwardProtocol
import Logging
import Synchronization

/// A session event on its way to the disk: its sequence number now, whether
/// it became durable once the durable queue has reached it.
final class EventTicket: Sendable {
    let seq: Int64
    private let failure = Mutex<SessionService.ServiceError?>(nil)

    init(seq: Int64) { self.seq = seq }

    /// Set on the durable queue once the disk has answered.
    func fail(_ error: SessionService.ServiceError) { failure.withLock { $0 = error } }

    /// Why the event is not durable; nil once it is (read it on the durable
    /// queue, after the event's own item, or after `EventEmitter.waitUntilDurable`).
    var failed: SessionService.ServiceError? { failure.withLock { $0 } }
}

/// Numbers and records session events, and streams them to monitors.
///
/// `record` numbers an event and appends it to the log in one order (so the
/// log's lines come in seq order), then leaves the wait for the disk to the
/// durable queue, which hands the event to monitors once it is durable. The
/// caller decides what waits for it: a control's reply is queued behind it
/// (`SessionService.handle`), the daemon's own lifecycle waits
/// (`waitUntilDurable`).
///
/// Threads: any. `record` holds a lock only while numbering and appending
/// (one write(2)), never while waiting for the disk.
final class EventEmitter: Sendable {
    private struct Numbering {
        var seq: Int64 = 0
    }

    private let sink: any EventSink
    let durable: DurableQueue
    private let logger: Logger
    /// Held while an event is numbered, appended and queued.
    private let numbering = Mutex(Numbering())
    /// Monitors by connection; replies to them are sent with this held, so an
    /// event never overtakes a monitor's first reply.
    private let monitors = Mutex<[ConnectionID: any VarlinkResponder]>([:])

    init(sink: any EventSink, durable: DurableQueue, logger: Logger) {
        self.sink = sink
        self.durable = durable
        self.logger = logger
    }

    /// The latest sequence number given out (0 before a session's first event).
    var lastSeq: Int64 { numbering.withLock { $0.seq } }

    /// Numbers the next session's events from `seq + 1` (0 for a new session;
    /// the log's last for a resumed one).
    func restart(at seq: Int64) { numbering.withLock { $0.seq = seq } }

    // MARK: Monitors

    /// Adds a monitor and sends it `first` (its current status).
    func addMonitor(_ connection: ConnectionID, _ responder: any VarlinkResponder, first: VarlinkReply) {
        monitors.withLock { monitors in
            monitors[connection] = responder
            responder.send(first)
        }
    }

    func removeMonitor(_ connection: ConnectionID) {
        _ = monitors.withLock { $0.removeValue(forKey: connection) }
    }

    // MARK: Recording

    /// Numbers `event` (its `kind`, clocks, phase and `fields` already set),
    /// appends it to session `session`'s log and queues its wait for the disk;
    /// once durable, it goes to the monitors with the status `status()` gives
    /// then. Throws `LogWriteFailed` when it could not even be appended.
    func record(_ event: JSONObject, session: String, status: @escaping @Sendable () -> SessionStatus) throws -> EventTicket {
        var event = event
        let kind = event["kind"]?.stringValue ?? "event"
        return try numbering.withLock { numbering throws -> EventTicket in
            numbering.seq += 1
            let seq = numbering.seq
            event["seq"] = .integer(seq)
            event["time"] = .string(WallClock.now())
            let ticket = EventTicket(seq: seq)
            let commit: EventCommit
            do {
                if let staged = sink as? any StagedEventSink {
                    commit = try staged.stage(event, session: session)
                } else {
                    try sink.record(event, session: session)
                    commit = .done
                }
            } catch {
                throw failure(error, kind: kind, seq: seq, session: session)
            }
            // Queued with the numbering held, so the durable queue sees events in seq order.
            let recorded = event
            durable.async { [self] in
                do {
                    try commit.waitUntilDurable()
                } catch {
                    ticket.fail(failure(error, kind: kind, seq: seq, session: session))
                }
                let reply = VarlinkReply(["event": .object(recorded), "status": .object(status().json)], continues: true)
                monitors.withLock { monitors in
                    for m in monitors.values where m.isOpen { m.send(reply) }
                }
            }
            return ticket
        }
    }

    /// Waits until `ticket`'s event is durable; throws `LogWriteFailed` when it
    /// cannot be. Not on the durable queue.
    func waitUntilDurable(_ ticket: EventTicket) throws(SessionService.ServiceError) {
        durable.drain()
        if let failure = ticket.failed { throw failure }
    }

    private func failure(_ error: any Error, kind: String, seq: Int64, session: String) -> SessionService.ServiceError {
        logger.error("cannot record event", metadata: ["session.id": "\(session)", "kind": "\(kind)", "seq": "\(seq)",
                                                      "error": "\(error)"])
        let path = (error as? LogWriteError)?.path ?? session
        let reason = (error as? LogWriteError)?.reason ?? "\(error)"
        return SessionService.ServiceError(InwardSessionInterface.Errors.logWriteFailed(path: path, reason: reason))
    }
}
