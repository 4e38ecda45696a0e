import Foundation
import InwardCore
@testable import InwardDaemon
import InwardProtocol
import Logging
import Testing

/// `state.json`: its format, and its one writer's rule that the newest state wins.
@Suite("Resume state file: format and one writer")
struct ResumeStateFileTests {
    func saved() -> ResumeState {
        var s = ResumeState(sessionID: "20261126-170000-abcd", planFile: "/plans/r.toml", planSHA256: "h", client: "C-1",
                            sampleRate: 48_000, pace: 1, anchorFrame: 120 * 48_000, anchorWall: 1000)
        s.t0 = 60 * 48_000
        s.boosters = 1
        return s
    }

    func temporaryFolder() throws -> String {
        var template = Array("/tmp/inward-state-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        return String(cString: dir)
    }

    @Test("round-trips through JSON with snake_case keys, holds keyed by phase")
    func roundTrip() throws {
        var s = saved()
        s.holds = [1: 480_000, 3: 96_000]
        s.advances = [2: 1_000]
        s.track = .init(phase: 1, entry: 2, startFrame: 4_800_000)
        s.quiet = .paused
        s.vitals = [12.5, 600]
        s.calmLevelDB = -24
        s.calmTrack = .init(phase: -1, entry: 1, startFrame: 5_000_000)
        s.revision = 42
        let text = JSONValue.object(s.json).jsonString
        #expect(text.contains("\"session_id\"") && text.contains("\"anchor_wall\"") && text.contains("\"holds\":{\"1\":480000,\"3\":96000}"))
        let back = try ResumeState(json: try #require(JSONValue.parse(text).objectValue))
        #expect(back == s)
    }

    @Test("reads a version 1 file as Foundation's encoder wrote it")
    func readsVersionOne() throws {
        let text = #"{"advances":{},"anchor_frame":5760000,"anchor_wall":1000,"boosters":1,"client":"C-1","holds":{"1":480000},"#
            + #""pace":1,"plan_file":"\/plans\/r.toml","plan_sha256":"h","quiet":"silenced","sample_rate":48000,"session_id":"s","#
            + #""t0":2880000,"track":{"entry":2,"phase":1,"start_frame":4800000},"version":1,"volume_db":-3}"#
        let s = try ResumeState(json: try #require(JSONValue.parse(text).objectValue))
        #expect(s.holds == [1: 480_000] && s.quiet == .silenced && s.volumeDB == -3 && s.revision == 0)
        #expect(s.calmLevelDB == nil, "a file from before calm reads as not in calm")
        #expect(s.calmTrack == nil)
        #expect(s.planFile == "/plans/r.toml" && s.track == .init(phase: 1, entry: 2, startFrame: 4_800_000))
    }

    @Test("a file of a newer format is refused with what to do, naming the version")
    func newerFormat() throws {
        var o = saved().json
        o["version"] = .integer(Int64(ResumeState.currentVersion + 1))
        #expect {
            try ResumeState(json: o)
        } throws: { error in
            "\(error)".contains("format version \(ResumeState.currentVersion + 1)") && "\(error)".contains("newer inwardd")
        }
    }

    @Test("the newest state wins: saves from two threads leave the highest revision on disk, and each save's own state once drained")
    func newestWins() throws {
        let folder = try temporaryFolder()
        let store = ResumeStore(stateDirectory: folder)
        let durable = DurableQueue()
        let writer = ResumeStateWriter(store: store, durable: durable, logger: Logger(label: "test"))
        let counter = Counter()
        // Two threads save states that carry the value they were built with; the
        // value grows with every build, so the revision order is the value order.
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<200 {
                writer.save {
                    var s = saved()
                    s.volumeDB = Double(counter.next())
                    return s
                }
            }
        }
        durable.drain()
        let onDisk = try #require(try store.load())
        #expect(onDisk.revision == 400)
        #expect(onDisk.volumeDB == 400, "the state built last is the one on disk")
        // After each save and a drain, the file holds that save's state.
        for value in 401...410 {
            let revision = writer.save {
                var s = saved()
                s.volumeDB = Double(value)
                return s
            }
            durable.drain()
            let now = try #require(try store.load())
            #expect(now.revision == revision && now.volumeDB == Double(value))
        }
        writer.remove()
        durable.drain()
        #expect(try store.load() == nil)
    }
}

/// Hands out 1, 2, 3, ... to any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
