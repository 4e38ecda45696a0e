public import InwardProtocol
import InwardCore
#if canImport(Glibc)
import Glibc
#endif

/// Mirrors session events to journald as structured entries (`MESSAGE`,
/// `INWARD_SESSION`, `INWARD_EVENT`, `INWARD_PHASE`, `INWARD_SEQ`,
/// `INWARD_HASH`, `INWARD_ROOM`, `PRIORITY`), so
/// `journalctl -u inwardd@ROOM INWARD_EVENT=mark.adverse_event` finds them and
/// `inward verify --journal` can check the log against them.
///
/// The journal is read more widely than the 0640 session log (the `adm` and
/// `systemd-journal` groups) and may be shipped off the machine, so an entry
/// says what kind of thing happened and when, never what was said, seen or
/// given: no statements, notes, adverse-event details or responses, reasons
/// typed by people, dose amounts, routes or lot numbers, vital signs, `by`
/// names, file names or the client's code. `message` is built from an
/// allow-list of fields that the daemon or the plan file write, never the
/// therapist or the client; the rest stays in the session log.
///
/// Threading: a value; `send` may be called from any thread (EventRecorder
/// calls it under the service's recording lock), never on the audio thread.
public struct JournalMirror: Sendable {
    /// The journal's socket; without it there is no journal to mirror to.
    public static let socketPath = "/run/systemd/journal/socket"

    public let isAvailable: Bool
    /// The treatment room (`inwardd --room`), sent as `INWARD_ROOM`.
    public let room: String?

    public init(room: String? = nil, socketPath: String = JournalMirror.socketPath) {
        self.room = room
        isAvailable = access(socketPath, F_OK) == 0
    }

    /// Sends one event; does nothing when no journal runs. Never throws: the
    /// journal is a mirror, the session log is the record.
    public func send(_ event: JSONObject, session: String, lineHash: String? = nil) {
        guard isAvailable else { return }
        JournalEntry.send(Self.fields(event, session: session, lineHash: lineHash, room: room))
    }

    /// The journal fields of an event, in a stable order.
    /// - Parameter lineHash: the SHA-256 of the event's line in the session log (`INWARD_HASH`).
    public static func fields(_ event: JSONObject, session: String, lineHash: String? = nil,
                              room: String? = nil) -> [(key: String, value: String)] {
        let kind = event["kind"]?.stringValue ?? "event"
        var out: [(key: String, value: String)] = [
            ("MESSAGE", message(event)),
            ("PRIORITY", String(priority(event))),
            ("SYSLOG_IDENTIFIER", "inwardd"),
            ("INWARD_SESSION", session),
            ("INWARD_EVENT", kind),
        ]
        if let room { out.append(("INWARD_ROOM", room)) }
        if let phase = event["phase"]?.stringValue { out.append(("INWARD_PHASE", phase)) }
        if let seq = event["seq"]?.int64Value { out.append(("INWARD_SEQ", String(seq))) }
        if let lineHash { out.append(("INWARD_HASH", lineHash)) }
        return out
    }

    /// syslog priority: 3 (error) for device errors, 4 (warning) for adverse
    /// events, track failures and soundscape takeovers, 6 (info) otherwise.
    public static func priority(_ event: JSONObject) -> Int {
        let kind = event["kind"]?.stringValue ?? ""
        let reason = event["fields"]?["reason"]?.stringValue ?? ""
        if kind == "device.error" || (kind == "session.end" && reason.hasPrefix("device error")) { return 3 }
        if kind == "mark.adverse_event" || kind == "track.failed" || kind == "soundscape.takeover" { return 4 }
        return 6
    }

    /// A short human line: "dose at T+00:00:00", "mark vitals at T+00:40:02",
    /// "phase start onset at T+00:05:00". Only the kind, the phase, the
    /// plan's name, a volume in dB and the daemon's own reason for ending a
    /// session appear.
    public static func message(_ event: JSONObject) -> String {
        let kind = event["kind"]?.stringValue ?? "event"
        let f = event["fields"]?.objectValue ?? [:]
        let when: String
        if let t0 = event["t0_seconds"]?.doubleValue {
            when = "at " + SessionClock.t(t0)
        } else {
            when = "at " + SessionClock.hms(Int(max(0, event["session_seconds"]?.doubleValue ?? 0))) + " into the session"
        }
        var what: String
        switch kind {
        case "session.start":
            what = "session start: plan \(f["plan"]?.stringValue ?? "?")"
        case "session.end":
            // Written by the daemon (completed, stopped, device error: ..., not resumed: ...).
            what = "session end: \(f["reason"]?.stringValue ?? "ended")"
        case "phase.start", "phase.end":
            what = kind.replacingOccurrences(of: ".", with: " ") + " " + (event["phase"]?.stringValue ?? "")
        case "control.volume":
            what = "volume" + (f["db"]?.doubleValue.map { " \(Self.decibels($0)) dB" } ?? "")
        default:
            // Marks by their kind only: "mark statement", "mark adverse_event".
            what = kind.hasPrefix("mark.") ? "mark " + kind.dropFirst(5) : kind.replacingOccurrences(of: ".", with: " ")
        }
        return what + " " + when
    }

    private static func decibels(_ db: Double) -> String {
        db.isFinite && db == db.rounded() && abs(db) < 1e6 ? String(Int(db)) : String(db)
    }
}
