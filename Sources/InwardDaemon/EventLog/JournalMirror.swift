public import InwardProtocol
import CSystemd
import InwardCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Mirrors session events to journald as structured entries (`MESSAGE`,
/// `INWARD_SESSION`, `INWARD_EVENT`, `INWARD_PHASE`, `INWARD_SEQ`,
/// `INWARD_HASH`, `PRIORITY`), so `journalctl -u inwardd INWARD_EVENT=mark.adverse` finds them.
///
/// The journal is read more widely than the 0640 session log, so an entry
/// carries no free text: statements and notes are mirrored as "mark statement",
/// never their words; only the client's pseudonymous code and numbers appear.
public struct JournalMirror: Sendable {
    /// The journal's socket; without it there is no journal to mirror to.
    public static let socketPath = "/run/systemd/journal/socket"

    public let isAvailable: Bool

    public init(socketPath: String = JournalMirror.socketPath) {
        isAvailable = access(socketPath, F_OK) == 0
    }

    /// Sends one event; does nothing when no journal runs. Never throws: the
    /// journal is a mirror, the session log is the record.
    public func send(_ event: JSONObject, session: String, lineHash: String? = nil) {
        guard isAvailable else { return }
        let copies = Self.fields(event, session: session, lineHash: lineHash).map { strdup("\($0.key)=\($0.value)") }
        defer { copies.forEach { free($0) } }
        let iovecs = copies.compactMap { p in p.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) } }
        _ = sd_journal_sendv(iovecs, Int32(iovecs.count))
    }

    /// The journal fields of an event, in a stable order.
    /// - Parameter lineHash: the SHA-256 of the event's line in the session log (`INWARD_HASH`).
    public static func fields(_ event: JSONObject, session: String, lineHash: String? = nil) -> [(key: String, value: String)] {
        let kind = event["kind"]?.stringValue ?? "event"
        var out: [(key: String, value: String)] = [
            ("MESSAGE", message(event)),
            ("PRIORITY", String(priority(event))),
            ("SYSLOG_IDENTIFIER", "inwardd"),
            ("INWARD_SESSION", session),
            ("INWARD_EVENT", kind),
        ]
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

    /// A short human line: "dose at T+00:00:00", "mark vitals: 150/95 at T+00:40:02".
    public static func message(_ event: JSONObject) -> String {
        let kind = event["kind"]?.stringValue ?? "event"
        let f = event["fields"]?.objectValue ?? [:]
        let when: String
        if let t0 = event["t0_seconds"]?.doubleValue {
            when = "at " + SessionClock.t(t0)
        } else {
            when = "at " + SessionClock.hms(Int(max(0, event["session_seconds"]?.doubleValue ?? 0))) + " into the session"
        }
        func text(_ key: String) -> String? {
            guard let v = f[key] else { return nil }
            if let s = v.stringValue { return s }
            if let i = v.int64Value { return String(i) }
            if let d = v.doubleValue { return String(d) }
            return nil
        }
        var what: String
        switch kind {
        case "session.start":
            what = "session start: plan \(text("plan") ?? "?")"
            if let client = text("client") { what += ", client \(client)" }
        case "session.end":
            what = "session end: \(text("reason") ?? "ended")"
        case "dose", "booster":
            what = kind
            let details = [text("route"), text("amount")].compactMap { $0 }
            if !details.isEmpty { what += " (\(details.joined(separator: ", ")))" }
        case "mark.vitals":
            what = "mark vitals"
            var parts: [String] = []
            if let s = text("systolic"), let d = text("diastolic") { parts.append("\(s)/\(d)") }
            if let hr = text("heart_rate") { parts.append("HR \(hr)") }
            if let spo2 = text("spo2") { parts.append("SpO2 \(spo2)") }
            if !parts.isEmpty { what += ": " + parts.joined(separator: ", ") }
        case "mark.adverse_event":
            what = "mark adverse event"
            let details = [text("kind"), text("severity")].compactMap { $0 }
            if !details.isEmpty { what += ": " + details.joined(separator: ", ") }
        case "phase.start", "phase.end":
            what = kind.replacingOccurrences(of: ".", with: " ") + " " + (event["phase"]?.stringValue ?? "")
        case "control.volume":
            what = "volume \(text("db") ?? "?") dB by \(text("by") ?? "therapist")"
        default:
            // Marks: their kind only (statements and notes are free text).
            what = kind.hasPrefix("mark.") ? "mark " + kind.dropFirst(5) : kind.replacingOccurrences(of: ".", with: " ")
            if kind.hasPrefix("control."), let by = text("by") { what += " by \(by)" }
        }
        return what + " " + when
    }

}
