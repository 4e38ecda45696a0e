@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import InwardReview

/// A session whose music crossfades: a soundscape phase, then a playlist of
/// three tracks with 8 s crossfades and a file that fails, the soundscape
/// taking over when the playlist runs out, then a soundscape phase. The room
/// is in Europe/Oslo (UTC+01:00 in November). Every expected figure in the
/// tests is written out by hand from these numbers.
enum CrossfadeSession {
    static let events: [SyntheticSession.Event] = [
        .init(at: 0, kind: "session.start", phase: "arrival", fields: [
            "session_id": "2026-11-26-1000-x01", "plan": "IM crossfades", "plan_file": "/home/therapist/plans/x.toml",
            "client": "X-0001", "device": "null", "sample_rate": 48000, "route": "im",
            "time_zone": "Europe/Oslo", "utc_offset_seconds": 3600,
            "vitals": ["before_dose": true, "at_t0_seconds": [900.0], "every_seconds": nil]]),
        .init(at: 0, kind: "phase.start", phase: "arrival", fields: [
            "frame": 0, "phase_index": 0, "level_db": -14, "fade_in_seconds": 1, "fade_out_seconds": 2,
            "source": ["kind": "soundscape", "intensity": 0.3, "brightness": 0.4, "seed": 5]]),
        .init(at: 300, kind: "mark.vitals", phase: "arrival", fields: [
            "systolic": 128, "diastolic": 82, "heart_rate": 74, "spo2": 98,
            "alert": [["field": "heart_rate", "message": "heart rate 74 /min above the plan's limit 70"]]]),
        .init(at: 600, kind: "dose", phase: "arrival", fields: ["route": "im", "amount": "0.5 mg/kg", "lot": "L-77", "by": "therapist", "user": "dr-a"]),
        .init(at: 600, kind: "phase.end", phase: "arrival", fields: ["frame": 28_800_000, "phase_index": 0]),
        .init(at: 600, kind: "phase.start", phase: "onset", fields: [
            "frame": 28_800_000, "phase_index": 1, "level_db": -9, "fade_in_seconds": 2, "fade_out_seconds": 6,
            "source": ["kind": "playlist", "playlist": "onset.m3u8"]]),
        .init(at: 600.5, kind: "track.start", phase: "onset", fields: [
            "frame": 28_824_000, "phase_index": 1, "entry": 0, "file": "/srv/music/onset/01-tidal-breath.flac",
            "title": "Tidal Breath", "artist": "Ana Ruiz"]),
        .init(at: 892.5, kind: "track.start", phase: "onset", fields: [
            "frame": 42_840_000, "phase_index": 1, "entry": 1, "file": "/srv/music/onset/02-still-water.flac",
            "title": "Still Water", "artist": "Kōji Mori"]),
        .init(at: 900.5, kind: "track.end", phase: "onset", fields: [
            "frame": 43_224_000, "phase_index": 1, "entry": 0, "file": "/srv/music/onset/01-tidal-breath.flac"]),
        .init(at: 1000.25, kind: "mark.statement", phase: "onset", fields: ["text": "the sea is near"]),
        .init(at: 1020, kind: "audio.loudness", phase: "onset", fields: [
            "frame": 46_080_000, "interval_seconds": 10, "lufs": [-24, -23.5, nil, -22, -22, -21]]),
        .init(at: 1124.5, kind: "track.failed", phase: "onset", fields: [
            "frame": 53_976_000, "phase_index": 1, "entry": 2, "file": "/srv/music/onset/03-broken.mp3", "reason": "cannot decode"]),
        .init(at: 1124.5, kind: "track.start", phase: "onset", fields: [
            "frame": 53_976_000, "phase_index": 1, "entry": 3, "file": "/srv/music/onset/04-deep-field.flac"]),
        .init(at: 1132.5, kind: "track.end", phase: "onset", fields: [
            "frame": 54_360_000, "phase_index": 1, "entry": 1, "file": "/srv/music/onset/02-still-water.flac"]),
        .init(at: 1200, kind: "control.pause", phase: "onset", fields: ["by": "client", "fade_seconds": 8.0]),
        .init(at: 1260, kind: "control.resume", phase: "onset", fields: ["by": "client", "fade_seconds": 8.0]),
        .init(at: 1316.5, kind: "soundscape.takeover", phase: "onset", fields: [
            "frame": 63_192_000, "phase_index": 1, "reason": "the playlist ran out", "intensity": 0.35, "brightness": 0.35]),
        .init(at: 1324.5, kind: "track.end", phase: "onset", fields: [
            "frame": 63_576_000, "phase_index": 1, "entry": 3, "file": "/srv/music/onset/04-deep-field.flac"]),
        .init(at: 1500, kind: "phase.end", phase: "onset", fields: ["frame": 72_000_000, "phase_index": 1]),
        .init(at: 1500, kind: "phase.start", phase: "peak", fields: [
            "frame": 72_000_000, "phase_index": 2, "level_db": -5, "fade_in_seconds": 2, "fade_out_seconds": 3,
            "source": ["kind": "soundscape", "intensity": 0.6, "brightness": 0.5, "seed": 6]]),
        .init(at: 1520, kind: "control.intensity", phase: "peak", fields: ["by": "therapist", "value": 0.8]),
        .init(at: 1530, kind: "mark.adverse_event", phase: "peak", fields: ["kind": "nausea", "severity": "mild", "response": "rest"]),
        .init(at: 1550, kind: "control.calm", phase: "peak", fields: ["by": "therapist"]),
        .init(at: 1600, kind: "control.resume", phase: "peak", fields: ["by": "therapist", "fade_seconds": 8.0]),
        .init(at: 1620, kind: "mark.note", phase: "peak", fields: ["text": "calmer now"]),
        .init(at: 1700, kind: "mark.assessment", phase: "peak", fields: [
            "sedation": "mild", "dissociation": "moderate", "respiratory": "normal", "by": "therapist"]),
        // Corrects the adverse event, seq 22.
        .init(at: 1710, kind: "mark.correction", phase: "peak", fields: ["of": 22, "reason": "severity was moderate", "by": "therapist"]),
        .init(at: 1800, kind: "control.stop", phase: "peak", fields: ["by": "therapist", "fade_seconds": 20.0]),
        .init(at: 1820, kind: "phase.end", phase: "peak", fields: ["frame": 87_360_000, "phase_index": 2]),
        .init(at: 2400, kind: "mark.ready_to_leave", phase: nil, fields: ["by": "therapist"]),
        .init(at: 2700, kind: "mark.discharge", phase: nil, fields: ["by": "therapist", "user": "dr-a"]),
        .init(at: 2700, kind: "session.end", phase: nil, fields: ["session_id": "2026-11-26-1000-x01", "reason": "discharged"]),
    ]

    /// (name, start, end) of every span, by hand: each track from its start to
    /// its end; the arrival soundscape to its phase's end plus its 2 s fade-out;
    /// the takeover to onset's end plus its 6 s fade-out; peak's soundscape to its end plus 3 s.
    static let spans: [(name: String, start: Double, end: Double)] = [
        ("soundscape", 0, 602), ("Tidal Breath", 600.5, 900.5), ("Still Water", 892.5, 1132.5),
        ("04-deep-field.flac", 1124.5, 1324.5), ("soundscape", 1316.5, 1506), ("soundscape", 1500, 1823),
    ]

    static func bytes() -> [UInt8] { SyntheticSession.bytes(SyntheticSession.lines(events)) }

    static func timeline() -> ReviewTimeline { ReviewTimeline(LogReader.read(bytes())) }
}
