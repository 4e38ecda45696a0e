@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mark headphones-off` with the plan's `[headphones_off]`, for real: two
/// outputs on ALSA file PCMs, the speakers 6 dB under the headphones. With
/// the key the speakers come up by `raise_db` while the headphones are off
/// and back on `headphones-on`; the headphones do not move. Without it the
/// marks change no level. Levels are measured from the files.
@Suite("inwardd: headphones off brings the speakers up by the plan's amount", .serialized)
struct OutputsHeadphonesTests {
    static func plan(_ table: String) -> String {
        """
        name = "noise"
        route = "other"
        level_cap_db = -1
        \(table)
        [[phase]]
        name = "bed"
        duration = "40s"
        level_db = -10
        fade_in = "0.1s"
        fade_out = "0.1s"
        source = { kind = "playlist", path = "noise.m3u8" }
        """
    }

    struct Played {
        var headphones: [Float]
        var speakers: [Float]
        var events: [JSONObject]
        var offAt: Double
        var onAt: Double
        var log: String
    }

    static func prepare(_ plans: URL) throws {
        try TestAudio.noise(to: plans.appendingPathComponent("noise.wav").path, format: .wav16, amplitude: 0.5,
                            sampleRate: 48000, seconds: 60)
        try "#EXTM3U\nnoise.wav\n".write(to: plans.appendingPathComponent("noise.m3u8"), atomically: true, encoding: .utf8)
    }

    /// Plays the plan; marks headphones-off twice at 10 s and headphones-on at 24 s of session time.
    static func play(_ table: String) throws -> Played {
        let room = try TwoFileOutputs(label: "outputs-headphones")
        let (env, arguments, first, second) = (room.environment, room.arguments, room.headphones, room.speakers)
        let daemon = try DaemonHarness(plans: ["noise.toml": plan(table)], pace: 10, device: nil, environment: env,
                                       extraArguments: arguments, prepare: prepare)
        defer { daemon.terminate() }
        let c = try daemon.client()
        let start = try c.call(.start, ["plan": .string("noise")])
        let id = try #require(start.object["session_id"]?.stringValue, "\(start)")
        let log = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        func seconds() -> Double { (try? c.call(.status).object["status"]?.objectValue?["session_seconds"]?.doubleValue) ?? 0 }
        func markedAt(_ kind: String) throws -> Double {
            try #require(SessionLogLines.readWhileWritten(log).last { $0["kind"]?.stringValue == "mark.\(kind)" }?["session_seconds"]?.doubleValue)
        }

        #expect(waitUntil(timeout: 30) { seconds() >= 10 })
        #expect(try c.call(.mark, ["kind": "headphones-off"]).error == nil)
        let offAt = try markedAt("headphones_off")
        // Status shows the raise on the speakers alone while the headphones are off (null without the key).
        let raised = SessionStatus(json: try #require(try c.call(.status).object["status"]?.objectValue)).outputs.map(\.raisedDB)
        #expect(raised == (table.isEmpty ? [nil, nil] : [nil, 6]), "\(raised)")
        #expect(try c.call(.mark, ["kind": "headphones-off"]).error == nil)   // a second one raises no further
        #expect(waitUntil(timeout: 30) { seconds() >= 24 })
        #expect(try c.call(.mark, ["kind": "headphones-on"]).error == nil)
        let onAt = try markedAt("headphones_on")
        #expect(SessionStatus(json: try #require(try c.call(.status).object["status"]?.objectValue)).outputs.map(\.raisedDB) == [nil, nil])
        #expect(waitUntil(timeout: 60) { (try? c.call(.status).object["status"]?.objectValue?["state"]?.stringValue) == "idle" })
        let a = try WavReader.read(first), b = try WavReader.read(second)
        return Played(headphones: a.channels[0], speakers: b.channels[0], events: SessionLogLines.readWhileWritten(log), offAt: offAt, onAt: onAt,
                      log: log)
    }

    /// Headphones minus speakers, dB, over session seconds `range`; and the headphones' own level there.
    static func gap(_ p: Played, _ range: ClosedRange<Double>) -> (gap: Double, headphones: Double) {
        let rate = 48000.0
        let frames = Int(range.lowerBound * rate)..<Int(range.upperBound * rate)
        let h = AudioAnalysis.rmsDB(p.headphones[frames])
        return (h - AudioAnalysis.rmsDB(p.speakers[frames]), h)
    }

    @Test("with [headphones_off] raise_db = 6: the speakers come up 6 dB (±0.5) while off, back on, headphones unmoved")
    func raisesTheSpeakers() throws {
        let p = try Self.play("[headphones_off]\nraise_db = 6\noutput = \"speakers\"")
        let before = Self.gap(p, 2...(p.offAt - 0.5))
        let during = Self.gap(p, (p.offAt + 5)...(p.onAt - 0.5))
        let after = Self.gap(p, (p.onAt + 5)...38)
        #expect(abs(before.gap - 6) <= 0.5, "speakers \(before.gap) dB under the headphones before headphones-off")
        #expect(abs(during.gap - 0) <= 0.5, "speakers \(during.gap) dB under the headphones while off (raised 6 dB)")
        #expect(abs(after.gap - 6) <= 0.5, "speakers \(after.gap) dB under the headphones after headphones-on")
        #expect(abs(before.headphones - during.headphones) <= 0.5 && abs(before.headphones - after.headphones) <= 0.5)
        // Logged as control.output with the reason: one raise (the second mark changed nothing), one return.
        let controls = p.events.filter { $0["kind"]?.stringValue == "control.output" }.compactMap { $0["fields"]?.objectValue }
        #expect(controls.map { $0["reason"]?.stringValue } == ["headphones_off", "headphones_on"], "\(controls)")
        #expect(controls.map { $0["raise_db"]?.doubleValue } == [6, 0])
        #expect(controls.allSatisfy { $0["output"]?.stringValue == "speakers" && $0["user"]?.stringValue != nil })
        // The review says what happened.
        let review = try ProcessRun.product("inward", ["review", p.log])
        #expect(review.stdout.contains("Output speakers up 6 dB to 0 dB (headphones off)"), "\(review.stdout)")
        #expect(review.stdout.contains("Output speakers back to -6 dB (headphones on)"))
    }

    @Test("without [headphones_off]: the marks change no level")
    func offByDefault() throws {
        let p = try Self.play("")
        let before = Self.gap(p, 2...(p.offAt - 0.5))
        let during = Self.gap(p, (p.offAt + 5)...(p.onAt - 0.5))
        #expect(abs(before.gap - 6) <= 0.5 && abs(during.gap - 6) <= 0.5, "\(before.gap) dB, then \(during.gap) dB")
        #expect(!p.events.contains { $0["kind"]?.stringValue == "control.output" })
    }

    @Test("a daemon killed while the headphones are off comes back with the speakers raised; headphones-on still undoes it")
    func raiseSurvivesARestart() throws {
        let room = try TwoFileOutputs(label: "outputs-headphones")
        let (env, arguments) = (room.environment, room.arguments)
        let plan = Self.plan("[headphones_off]\nraise_db = 6").replacingOccurrences(of: "\"40s\"", with: "\"10m\"")
        let first = try DaemonHarness(plans: ["noise.toml": plan], pace: 10, device: nil, environment: env,
                                      extraArguments: arguments, prepare: Self.prepare)
        let a = try first.client()
        let id = try #require(try a.call(.start, ["plan": .string("noise")]).object["session_id"]?.stringValue)
        try a.waitForClock(2)
        #expect(try a.call(.mark, ["kind": "headphones-off"]).error == nil)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let second = try DaemonHarness(plans: ["noise.toml": plan], pace: 10, device: nil, environment: env,
                                       extraArguments: arguments, state: first.state, prepare: Self.prepare)
        defer { second.terminate() }
        let b = try second.client()
        let status = SessionStatus(json: try #require(try b.call(.status).object["status"]?.objectValue))
        #expect(status.sessionID == id)
        #expect(status.outputs.map(\.raisedDB) == [nil, 6], "\(status.outputs)")
        #expect(status.outputs.map(\.levelDB) == [0, -6])
        #expect(try b.call(.mark, ["kind": "headphones-off"]).error == nil)   // still off: no second raise
        #expect(try b.call(.mark, ["kind": "headphones-on"]).error == nil)
        #expect(SessionStatus(json: try #require(try b.call(.status).object["status"]?.objectValue)).outputs.map(\.raisedDB) == [nil, nil])
        let reasons = SessionLogLines.readWhileWritten(second.state.appendingPathComponent("sessions/\(id).jsonl").path)
            .filter { $0["kind"]?.stringValue == "control.output" }.map { $0["fields"]?.objectValue?["reason"]?.stringValue }
        #expect(reasons == ["headphones_off", "headphones_on"])
    }

    @Test("a plan naming an output the room does not have: a warning at the start naming the key; the marks change no level")
    func unknownOutputIsAWarning() throws {
        let room = try TwoFileOutputs(label: "outputs-headphones")
        let (env, arguments) = (room.environment, room.arguments)
        let daemon = try DaemonHarness(plans: ["noise.toml": Self.plan("[headphones_off]\nraise_db = 6\noutput = \"lamp\"")],
                                       pace: 10, device: nil, environment: env, extraArguments: arguments, prepare: Self.prepare)
        defer { daemon.terminate() }
        let c = try daemon.client()
        let start = try c.call(.start, ["plan": .string("noise")])
        let warnings = (start.object["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(warnings.contains { $0.contains("headphones_off.output") && $0.contains("no output 'lamp'") }, "\(start)")
        #expect(try c.call(.mark, ["kind": "headphones-off"]).error == nil)
        #expect(SessionStatus(json: try #require(try c.call(.status).object["status"]?.objectValue)).outputs.map(\.raisedDB) == [nil, nil])
    }
}
