@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// A playlist calm's tracks in the review: spans of their own (`calm: true`,
/// no phase), never closing the phase's track that plays on under them, and
/// ending with calm.
@Suite("Review: a playlist calm's tracks")
struct CalmTrackSpanTests {
    static let events: [SyntheticSession.Event] = [
        .init(at: 0, kind: "session.start", phase: "onset", fields: [
            "session_id": "2026-12-04-1000-c01", "plan": "calm list", "client": "C-0001", "device": "null", "sample_rate": 48000]),
        .init(at: 0, kind: "phase.start", phase: "onset", fields: [
            "frame": 0, "phase_index": 0, "level_db": -12, "fade_in_seconds": 1, "fade_out_seconds": 2,
            "source": ["kind": "playlist"]]),
        .init(at: 1, kind: "track.start", phase: "onset", fields: ["frame": 48_000, "phase_index": 0, "entry": 0,
                                                                  "file": "/m/phase.flac", "title": "Phase Track"]),
        .init(at: 100, kind: "control.calm", phase: "onset", fields: ["by": "therapist", "level_db": -24, "source": "playlist"]),
        .init(at: 100, kind: "track.start", phase: "onset", fields: ["frame": 4_800_000, "calm": true, "entry": 0,
                                                                    "file": "/m/calm1.flac", "title": "Harbour One"]),
        .init(at: 150, kind: "track.start", phase: "onset", fields: ["frame": 7_200_000, "calm": true, "entry": 1,
                                                                    "file": "/m/calm2.flac", "title": "Harbour Two"]),
        .init(at: 154, kind: "track.end", phase: "onset", fields: ["frame": 7_392_000, "calm": true, "entry": 0, "file": "/m/calm1.flac"]),
        .init(at: 200, kind: "control.resume", phase: "onset", fields: ["by": "therapist", "from_calm": true]),
        .init(at: 400, kind: "track.end", phase: "onset", fields: ["frame": 19_200_000, "phase_index": 0, "entry": 0, "file": "/m/phase.flac"]),
        .init(at: 500, kind: "phase.end", phase: "onset", fields: ["frame": 24_000_000, "phase_index": 0]),
        .init(at: 500, kind: "session.end", phase: nil, fields: ["reason": "completed"]),
    ]

    @Test func calmTracksAreSpansOfTheirOwnEndingWithCalm() {
        let t = ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(Self.events))))
        let got = t.tracks.filter { !$0.isSoundscape }.map { "\($0.title) \($0.start)-\($0.end)" }
        #expect(got == ["Phase Track 1.0-400.0", "Harbour One 100.0-154.0", "Harbour Two 150.0-200.0"], "\(got)")
        #expect(t.quiet.map(\.kind) == [.calm])
    }
}
