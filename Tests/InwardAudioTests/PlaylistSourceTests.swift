@testable import InwardTestSupport
import Foundation
@testable import InwardAudio
import InwardCore
import Testing

/// A phase's playlist on its own: where each track begins, including a track
/// a resumed session goes on with part-way through.
@Suite("playlist source")
struct PlaylistSourceTests {
    let rate = 48_000

    /// Plays `source` block by block until `until` frames, returning its events.
    func play(_ source: PlaylistSource, events: EngineEvents, until: Int) -> [EngineEvent] {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 2 * 1024)
        defer { buffer.deallocate() }
        var log: [EngineEvent] = []
        var done = 0
        while done < until {
            source.prepare(frames: 1024)
            done += source.read(into: buffer, frames: 1024)
            log += events.drain()
        }
        return log
    }

    @Test("a track begun part-way (a resumed session) gives way to the next one crossfade before its real end, opened ahead",
          arguments: [0.0, 12.0])
    func resumedTrackEndsOnTime(offset: Double) throws {
        let dir = TestAudio.temporaryDirectory("playlist-source")
        let a = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.5, sampleRate: rate, seconds: 20)
        let b = try TestAudio.sine(to: dir.appendingPathComponent("b.wav").path, format: .wav16, frequency: 660,
                                   amplitude: 0.5, sampleRate: rate, seconds: 20)
        let events = EngineEvents()
        let origin: Int64 = 1_000_000
        let source = PlaylistSource(entries: [PlaylistEntry(path: a, line: 1), PlaylistEntry(path: b, line: 2)], phase: 0,
                                    origin: origin, crossfade: 1, sampleRate: rate, events: events,
                                    firstEntryOffset: Int64(offset * Double(rate)))
        let log = play(source, events: events, until: Int((21 - offset) * Double(rate)))
        let starts = log.filter { $0.kind == .trackStarted }
        try #require(starts.count == 2, "\(log)")
        #expect(starts[0].offset == Int64(offset * Double(rate)))
        // The rest of a.wav is 20 s - offset; b.wav's crossfade begins 1 s before that, to the frame.
        let expected = origin + Int64((19 - offset) * Double(rate))
        #expect(starts[1].frame == expected, "b.wav began \(Double(starts[1].frame - expected) / Double(rate)) s off")
    }
}
