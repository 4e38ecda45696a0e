import InwardLog
import InwardProtocol

/// A realistic session log, accelerated: written with `LogLine`, chained like
/// the daemon's writer.
enum SyntheticSession {
    /// Session seconds of the dose (T0).
    static let doseAt = 600.0

    struct Event {
        var at: Double
        var kind: String
        var phase: String?
        var fields: JSONObject
    }

    /// A full session: start, vitals before the dose, dose, phases and tracks,
    /// statements, volume, pause/resume, an adverse event, hold, booster, skip,
    /// silence, next, notes, an unknown event kind, stop and end.
    static let events: [Event] = [
        Event(at: 0, kind: "session.start", phase: "arrival", fields: [
            "session_id": "2026-11-26-1000-k42", "plan": "IM two hours", "plan_file": "/home/therapist/plans/im-2h.toml",
            "client": "K-0042", "device": "null", "sample_rate": 48000,
            "plan_sha256": "9f2c4e1b0d7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e"]),
        Event(at: 0, kind: "phase.start", phase: "arrival", fields: ["frame": 0, "phase_index": 0]),
        Event(at: 0.5, kind: "track.start", phase: "arrival", fields: [
            "frame": 24000, "phase_index": 0, "entry": 0, "file": "/srv/music/arrival/01-tidal-breath.flac",
            "title": "Tidal Breath", "artist": "Ana Ruiz"]),
        Event(at: 300, kind: "mark.vitals", phase: "arrival", fields: [
            "systolic": 132, "diastolic": 84, "heart_rate": 78, "spo2": 98, "text": "baseline, seated"]),
        Event(at: 420, kind: "mark.eyeshades_on", phase: "arrival", fields: [:]),
        Event(at: 598.5, kind: "track.end", phase: "arrival", fields: ["frame": 28_728_000, "phase_index": 0, "entry": 0]),
        Event(at: 600, kind: "dose", phase: "arrival", fields: ["route": "IM", "amount": "0.5 mg/kg", "lot": "L2291", "frame": 28_800_000]),
        Event(at: 600, kind: "phase.end", phase: "arrival", fields: ["frame": 28_800_000, "phase_index": 0]),
        Event(at: 600, kind: "phase.start", phase: "onset", fields: ["frame": 28_800_000, "phase_index": 1]),
        Event(at: 600.5, kind: "track.start", phase: "onset", fields: [
            "frame": 28_824_000, "phase_index": 1, "entry": 0, "file": "/srv/music/onset/01-still-water.flac",
            "title": "Still Water", "artist": "Kōji Mori"]),
        Event(at: 780.4, kind: "mark.statement", phase: "onset", fields: ["text": "I feel heavy, like sinking into warm sand"]),
        Event(at: 900, kind: "control.volume", phase: "onset", fields: [
            "by": "therapist", "db": -3.0, "requested_db": -3.0, "clamped": false, "ramp_seconds": 5.0]),
        Event(at: 1199.5, kind: "track.end", phase: "onset", fields: ["frame": 57_576_000, "phase_index": 1, "entry": 0]),
        Event(at: 1200, kind: "phase.end", phase: "onset", fields: ["frame": 57_600_000, "phase_index": 1]),
        Event(at: 1200, kind: "phase.start", phase: "peak", fields: ["frame": 57_600_000, "phase_index": 2]),
        Event(at: 1200.5, kind: "track.start", phase: "peak", fields: [
            "frame": 57_624_000, "phase_index": 2, "entry": 0, "file": "/srv/music/peak/01-deep-field.flac",
            "title": "Deep Field", "artist": "Hollow Choir"]),
        Event(at: 1230, kind: "control.pause", phase: "peak", fields: ["by": "client", "fade_seconds": 8.0]),
        Event(at: 1290, kind: "control.resume", phase: "peak", fields: ["by": "client", "fade_seconds": 8.0]),
        Event(at: 1500, kind: "mark.adverse_event", phase: "peak", fields: [
            "kind": "nausea", "severity": "moderate", "response": "ondansetron 4 mg ODT", "text": "asked for a bowl"]),
        Event(at: 1560, kind: "control.hold", phase: "peak", fields: [
            "by": "therapist", "seconds": 300.0, "requested_seconds": 300.0, "held_seconds": 300.0]),
        Event(at: 1620, kind: "booster", phase: "peak", fields: ["route": "IM", "amount": "0.25 mg/kg", "lot": "L2291", "frame": 77_760_000]),
        Event(at: 1800, kind: "mark.vitals", phase: "peak", fields: ["systolic": 148, "diastolic": 92, "heart_rate": 96, "spo2": 97]),
        Event(at: 1900, kind: "control.skip", phase: "peak", fields: ["by": "therapist"]),
        Event(at: 1900, kind: "track.end", phase: "peak", fields: ["frame": 91_200_000, "phase_index": 2, "entry": 0]),
        Event(at: 1900, kind: "track.start", phase: "peak", fields: [
            "frame": 91_200_000, "phase_index": 2, "entry": 1, "file": "/srv/music/peak/02-aurora.flac",
            "title": "Aurora", "artist": "Hollow Choir"]),
        Event(at: 2100, kind: "control.silence", phase: "peak", fields: ["by": "client", "fade_seconds": 3.0]),
        Event(at: 2220, kind: "control.resume", phase: "peak", fields: ["by": "therapist", "fade_seconds": 8.0]),
        Event(at: 2400, kind: "mark.statement", phase: "peak", fields: ["text": "He said, \"the light is kind\"\nand then I cried"]),
        Event(at: 2700, kind: "control.next", phase: "peak", fields: ["by": "therapist", "from": "peak", "to": "return"]),
        Event(at: 2700, kind: "track.end", phase: "peak", fields: ["frame": 129_600_000, "phase_index": 2, "entry": 1]),
        Event(at: 2700, kind: "phase.end", phase: "peak", fields: ["frame": 129_600_000, "phase_index": 2]),
        Event(at: 2700, kind: "phase.start", phase: "return", fields: ["frame": 129_600_000, "phase_index": 3]),
        Event(at: 2700, kind: "track.failed", phase: "return", fields: ["reason": "cannot decode", "file": "/srv/music/return/01-broken.mp3"]),
        Event(at: 2700, kind: "soundscape.takeover", phase: "return", fields: ["reason": "playlist failed", "frame": 129_600_000, "phase_index": 3]),
        Event(at: 3000, kind: "mark.vitals", phase: "return", fields: ["systolic": 126, "diastolic": 80, "heart_rate": 72, "spo2": 99]),
        Event(at: 3300, kind: "mark.note", phase: "return", fields: ["text": "Integration: asked about the river image"]),
        Event(at: 3400, kind: "mark.eyeshades_off", phase: "return", fields: [:]),
        Event(at: 3420, kind: "device.xrun", phase: "return", fields: ["count": 3]),
        Event(at: 3500, kind: "control.stop", phase: "return", fields: ["by": "therapist", "fade_seconds": 20.0]),
        Event(at: 3520, kind: "phase.end", phase: "return", fields: ["frame": 168_960_000, "phase_index": 3]),
        Event(at: 3520, kind: "session.end", phase: nil, fields: ["session_id": "2026-11-26-1000-k42", "reason": "stopped"]),
    ]

    /// RFC 3339 wall time of a session time (session starts 2026-11-26 10:00:00 UTC).
    static func wall(_ s: Double, startHour: Int = 10) -> String {
        let ms = Int((s * 1000).rounded())
        let total = ms / 1000
        func p(_ v: Int, _ w: Int = 2) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        return "2026-11-26T\(p(startHour + total / 3600)):\(p((total / 60) % 60)):\(p(total % 60)).\(p(ms % 1000, 3))Z"
    }

    /// The chained lines.
    static func lines(_ events: [Event] = events, firstSeq: Int64 = 1, startHour: Int = 10) -> [LogLine] {
        var prev = LogLine.genesis
        var out: [LogLine] = []
        for (i, e) in events.enumerated() {
            let t0: Double? = e.at >= doseAt && events.contains(where: { $0.kind == "dose" }) ? e.at - doseAt : nil
            let line = LogLine(seq: firstSeq + Int64(i), time: wall(e.at, startHour: startHour), sessionSeconds: e.at,
                               t0Seconds: t0, kind: e.kind, phase: e.phase, fields: e.fields, prev: prev)
            prev = line.hash
            out.append(line)
        }
        return out
    }

    /// The file's bytes: one line each, newline-terminated.
    static func bytes(_ lines: [LogLine] = lines()) -> [UInt8] {
        var out: [UInt8] = []
        for l in lines {
            out += l.bytes
            out.append(0x0A)
        }
        return out
    }

    /// Byte ranges of each line (newline excluded).
    static func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            out.append(start..<i)
            start = i + 1
        }
        return out
    }
}
