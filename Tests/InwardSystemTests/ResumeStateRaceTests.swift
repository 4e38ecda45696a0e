@testable import InwardTestSupport
import Foundation
import InwardPOSIX
import InwardProtocol
import Testing

/// `state.json` has one writer and a revision: controls on the server thread
/// and track changes on the engine queue both change it, and the newest state
/// always wins. Through the real daemon: a plan of very short tracks, paced
/// fast, so track changes keep coming while controls are sent, and after
/// each control's reply the file on disk is read.
@Suite("inwardd resume state under racing changes", .serialized)
struct ResumeStateRaceTests {
    /// One phase until the dose: a playlist of 80 half-second tones.
    static let plan = PlanFixture(name: "race", phases: [
        .init("arrival", "until dose", level: -6, fadeIn: "1s", fadeOut: "1s", source: .playlist("short.m3u8")),
    ])

    static func writeShortTracks(_ folder: URL) throws {
        try TestAudio.sine(to: folder.appendingPathComponent("tone.wav").path, format: .wav16, frequency: 440,
                           amplitude: 0.3, sampleRate: 48000, seconds: 0.5)
        let m3u = "#EXTM3U\n" + String(repeating: "tone.wav\n", count: 80)
        try m3u.write(to: folder.appendingPathComponent("short.m3u8"), atomically: true, encoding: .utf8)
    }

    @Test("volume controls and vitals marks race track changes: after every reply state.json has a higher revision and holds the control")
    func controlsRaceTrackChanges() throws {
        // 80 half-second tracks at 8x: a track change every ~60 ms for about 5 s.
        let daemon = try DaemonHarness(plans: Self.plan.files, pace: 8) { try Self.writeShortTracks($0) }
        defer { daemon.terminate() }
        let statePath = daemon.state.appendingPathComponent("state.json").path
        func state() throws -> JSONObject {
            let data = try #require(FileManager.default.contents(atPath: statePath), "no state.json")
            return try #require(try JSONValue.parse(Array(data)).objectValue)
        }
        let c = try daemon.client()
        let started = try c.call(.start, ["plan": "race"])
        #expect(started.error == nil, "\(started.object)")

        var lastRevision: Int64 = -1
        var entries = Set<Int64>()
        var lastEntry: Int64 = -1
        var vitals = 0
        var controls = 0
        // Until the playlist has run out (the state no longer names a track),
        // however fast the machine answers; the deadline is only a safety net.
        let deadline = MonotonicClock.seconds + 120
        for round in 0..<5000 where MonotonicClock.seconds < deadline {
            let reply: VarlinkReply
            if round % 5 == 4 {
                reply = try c.call(.mark, ["kind": "vitals", "fields": ["heart_rate": .integer(Int64(60 + round % 40))]])
                vitals += 1
            } else {
                let db = -Double(1 + round % 20) / 2
                reply = try c.call(.setVolume, ["db": .number(db)])
                #expect(reply.object["volume_db"]?.doubleValue == db, "\(reply.object)")
            }
            #expect(reply.error == nil, "round \(round): \(reply.object)")
            controls += 1

            let saved = try state()
            let revision = try #require(saved["revision"]?.int64Value)
            #expect(revision > lastRevision, "round \(round): revision \(revision) after \(lastRevision)")
            lastRevision = revision
            if round % 5 == 4 {
                #expect(saved["vitals"]?.arrayValue?.count == vitals, "round \(round): vitals \(String(describing: saved["vitals"]))")
            } else {
                #expect(saved["volume_db"]?.doubleValue == -Double(1 + round % 20) / 2, "round \(round): \(saved)")
            }
            guard let entry = saved["track"]?["entry"]?.int64Value else {
                if !entries.isEmpty { break }   // the playlist has ended: the race is over
                continue
            }
            #expect(entry >= lastEntry, "round \(round): the saved track went back from entry \(lastEntry) to \(entry)")
            lastEntry = entry
            entries.insert(entry)
        }
        print("resume state race: \(controls) controls, \(entries.count) track entries seen in state.json, revision \(lastRevision)")
        // The race happened: the saved track moved many times while controls came in, to the playlist's end.
        #expect(entries.count >= 10, "only \(entries.count) tracks seen in \(controls) controls")
        #expect(lastEntry >= 60, "the playlist did not play to its end: last entry \(lastEntry)")
    }
}
