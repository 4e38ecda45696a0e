@testable import InwardTestSupport
import Foundation
import InwardPOSIX
import InwardProtocol
import Synchronization
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

    /// Reads `state.json` over and over on a thread of its own while the race
    /// runs: every state that reaches the disk, not only those after a reply.
    final class StateWatcher: @unchecked Sendable {
        struct Seen {
            /// Monotonic nanoseconds when the read began and ended.
            var began: UInt64
            var ended: UInt64
            var revision: Int64
            var volume: Double?
            var vitals: Int
        }

        private let path: String
        private let seen = Mutex<[Seen]>([])
        private let stopped = Mutex(false)
        private let done = Mutex(false)

        init(path: String) {
            self.path = path
            Thread { [self] in
                while !stopped.withLock({ $0 }) {
                    let began = MonotonicClock.nanoseconds
                    guard let data = FileManager.default.contents(atPath: path),
                          let o = try? JSONValue.parse(Array(data)).objectValue,
                          let revision = o["revision"]?.int64Value else { continue }
                    let read = Seen(began: began, ended: MonotonicClock.nanoseconds, revision: revision,
                                    volume: o["volume_db"]?.doubleValue, vitals: o["vitals"]?.arrayValue?.count ?? 0)
                    seen.withLock { $0.append(read) }
                    usleep(300)   // a poll, kinder to a shared machine
                }
                done.withLock { $0 = true }
            }.start()
        }

        /// Reads that began after `time`.
        func count(after time: UInt64) -> Int { seen.withLock { $0.reduce(0) { $0 + ($1.began > time ? 1 : 0) } } }

        func stop() -> [Seen] {
            stopped.withLock { $0 = true }
            waitUntil(timeout: 10) { done.withLock { $0 } }
            return seen.withLock { $0 }
        }
    }

    /// One control of the race: what it asked, when it was sent and answered.
    struct Round {
        var sent: UInt64
        var answered: UInt64
        /// What state.json must hold from its reply until the next control: the
        /// volume and the number of vitals marked so far.
        var volume: Double
        var vitals: Int
    }

    @Test("volume controls and vitals marks race track changes: state.json's revision never goes back, and from each reply on it holds the control")
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
        let watcher = StateWatcher(path: statePath)

        var rounds: [Round] = []
        var lastRevision: Int64 = -1
        var entries = Set<Int64>()
        var lastEntry: Int64 = -1
        var vitals = 0
        var volume = 0.0
        // Until the playlist has run out (the state no longer names a track),
        // however fast the machine answers; the deadline is only a safety net.
        let deadline = MonotonicClock.seconds + 120
        for round in 0..<5000 where MonotonicClock.seconds < deadline {
            let sent = MonotonicClock.nanoseconds
            let reply: VarlinkReply
            if round % 5 == 4 {
                reply = try c.call(.mark, ["kind": "vitals", "fields": ["heart_rate": .integer(Int64(60 + round % 40))]])
                vitals += 1
            } else {
                volume = -Double(1 + round % 20) / 2
                reply = try c.call(.setVolume, ["db": .number(volume)])
                #expect(reply.object["volume_db"]?.doubleValue == volume, "\(reply.object)")
            }
            let answered = MonotonicClock.nanoseconds
            #expect(reply.error == nil, "round \(round): \(reply.object)")
            rounds.append(Round(sent: sent, answered: answered, volume: volume, vitals: vitals))

            let saved = try state()
            let revision = try #require(saved["revision"]?.int64Value)
            #expect(revision > lastRevision, "round \(round): revision \(revision) after \(lastRevision)")
            lastRevision = revision
            #expect(saved["vitals"]?.arrayValue?.count ?? 0 == vitals, "round \(round): vitals \(String(describing: saved["vitals"]))")
            #expect(saved["volume_db"]?.doubleValue == volume, "round \(round): volume \(String(describing: saved["volume_db"]))")
            // Let the watcher read the file a few times before the next control.
            #expect(waitUntil(timeout: 10, every: 0.0005) { watcher.count(after: answered) >= 3 })
            guard let entry = saved["track"]?["entry"]?.int64Value else {
                if !entries.isEmpty { break }   // the playlist has ended: the race is over
                continue
            }
            #expect(entry >= lastEntry, "round \(round): the saved track went back from entry \(lastEntry) to \(entry)")
            lastEntry = entry
            entries.insert(entry)
        }
        let seen = watcher.stop()

        // Every state on disk, in the order it was read: the revision never goes back...
        var previous: Int64 = -1
        for read in seen {
            #expect(read.revision >= previous, "state.json went back from revision \(previous) to \(read.revision)")
            previous = max(previous, read.revision)
        }
        // ...and between a reply and the next control, whatever track changes
        // wrote meanwhile, it holds that control's volume and vitals.
        var checked = 0
        for (k, round) in rounds.enumerated() {
            let next = k + 1 < rounds.count ? rounds[k + 1].sent : UInt64.max
            for read in seen where read.began > round.answered && read.ended < next {
                checked += 1
                #expect(read.volume == round.volume && read.vitals == round.vitals,
                        "after control \(k): state.json (revision \(read.revision)) has volume \(String(describing: read.volume)), \(read.vitals) vitals; the control left \(round.volume), \(round.vitals)")
            }
        }
        print("resume state race: \(rounds.count) controls, \(entries.count) track entries seen after replies, "
            + "\(seen.count) reads of state.json (\(checked) between a reply and the next control), last revision \(previous)")
        // The race happened: the saved track moved many times while controls came in, to the playlist's end.
        #expect(entries.count >= 10, "only \(entries.count) tracks seen in \(rounds.count) controls")
        #expect(lastEntry >= 60, "the playlist did not play to its end: last entry \(lastEntry)")
        #expect(checked >= rounds.count * 3)
    }
}
