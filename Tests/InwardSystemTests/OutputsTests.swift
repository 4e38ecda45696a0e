@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several outputs of one room, for real: the daemon plays one session to
/// two ALSA file PCMs (each over null), configured as `[[output]]`s with
/// their own levels. Both files start at session frame 0; they must be the
/// same music, frame for frame, each at its own level, and a per-output
/// change must be heard on that output only.
@Suite("inwardd: several outputs, in step, each at its own level", .serialized)
struct OutputsTests {
    static let plan = """
        name = "noise"
        route = "other"
        level_cap_db = -1
        [[phase]]
        name = "bed"
        duration = "40s"
        level_db = -10
        fade_in = "0.1s"
        fade_out = "0.1s"
        source = { kind = "playlist", path = "noise.m3u8" }
        """

    /// Lag (frames, within ±`range`) at which `b` best matches `a` over `count` frames from `start`.
    static func bestLag(_ a: [Float], _ b: [Float], start: Int, count: Int, range: Int) -> Int {
        var best = 0
        var bestScore = -Double.infinity
        for lag in -range...range {
            var sum = 0.0
            for i in start..<(start + count) where i + lag >= 0 && i + lag < b.count && i < a.count {
                sum += Double(a[i]) * Double(b[i + lag])
            }
            if sum > bestScore { bestScore = sum; best = lag }
        }
        return best
    }

    @Test("two file outputs: aligned to the frame, each at its own level (±0.5 dB), a change on one heard on that one only")
    func twoFileOutputs() throws {
        let room = try TwoFileOutputs(label: "outputs")
        let (env, config, first, second) = (room.environment, room.arguments, room.headphones, room.speakers)
        let daemon = try DaemonHarness(plans: ["noise.toml": Self.plan], pace: 10, device: nil, environment: env,
                                       extraArguments: config) { plans in
            try TestAudio.noise(to: plans.appendingPathComponent("noise.wav").path, format: .wav16, amplitude: 0.5,
                                sampleRate: 48000, seconds: 60)
            try "#EXTM3U\nnoise.wav\n".write(to: plans.appendingPathComponent("noise.m3u8"), atomically: true, encoding: .utf8)
        }
        defer { daemon.terminate() }
        let c = try daemon.client()
        let start = try c.call(.start, ["plan": .string("noise")])
        let id = try #require(start.object["session_id"]?.stringValue, "\(start)")

        // Status lists both outputs, the clock output first.
        let status = SessionStatus(json: try #require(try c.call(.status).object["status"]?.objectValue))
        #expect(status.outputs.map { $0.name } == ["headphones", "speakers"])
        #expect(status.outputs.map { $0.levelDB } == [0, -6])
        #expect(status.outputs.map { $0.device } == ["headphones", "speakers"])

        // At 15 s of session time the speakers go down 6 dB more; the headphones stay.
        #expect(waitUntil(timeout: 30) { ((try? c.call(.status).object["status"]?.objectValue?["session_seconds"]?.doubleValue) ?? 0) >= 15 })
        let reply = try c.call(.setOutput, ["output": .string("speakers"), "db": .number(-12)])
        #expect(reply.error == nil, "\(reply)")
        #expect(reply.object["level_db"]?.doubleValue == -12)
        let unknown = try c.call(.setOutput, ["output": .string("kitchen"), "db": .number(-3)])
        #expect(unknown.error?.contains("InvalidParameter") == true, "\(unknown)")
        let changedAt = try #require(SessionLogLines.readWhileWritten(daemon.state.appendingPathComponent("sessions/\(id).jsonl").path)
            .last { $0["kind"]?.stringValue == "control.output" }?["session_seconds"]?.doubleValue)
        #expect(SessionStatus(json: try #require(try c.call(.status).object["status"]?.objectValue)).outputs.map { $0.levelDB } == [0, -12])

        #expect(waitUntil(timeout: 60) { (try? c.call(.status).object["status"]?.objectValue?["state"]?.stringValue) == "idle" })
        let a = try WavReader.read(first), b = try WavReader.read(second)
        let rate = 48000
        // Both files hold the whole session from frame 0.
        #expect(abs(a.frameCount - b.frameCount) <= 1024, "\(a.frameCount) vs \(b.frameCount) frames")
        #expect(a.frameCount >= 40 * rate)
        let l = a.channels[0], r = b.channels[0]
        // Aligned to the frame: the same noise at lag 0.
        #expect(Self.bestLag(l, r, start: 5 * rate, count: 4800, range: 200) == 0)
        #expect(Self.bestLag(l, r, start: 30 * rate, count: 4800, range: 200) == 0)
        // Each at its own level: speakers 6 dB under the headphones, then 12 dB once the change has ramped.
        let before = (2 * rate)..<(Int(changedAt * Double(rate)) - rate / 2)
        let after = (Int(changedAt * Double(rate)) + 5 * rate)..<(38 * rate)
        let gapBefore = AudioAnalysis.rmsDB(l[before]) - AudioAnalysis.rmsDB(r[before])
        let gapAfter = AudioAnalysis.rmsDB(l[after]) - AudioAnalysis.rmsDB(r[after])
        #expect(abs(gapBefore - 6) <= 0.5, "speakers \(gapBefore) dB under the headphones before the change")
        #expect(abs(gapAfter - 12) <= 0.5, "speakers \(gapAfter) dB under the headphones after the change")
        // The headphones did not move.
        #expect(abs(AudioAnalysis.rmsDB(l[before]) - AudioAnalysis.rmsDB(l[after])) <= 0.5)
        // The change is logged with who made it.
        let logged = SessionLogLines.readWhileWritten(daemon.state.appendingPathComponent("sessions/\(id).jsonl").path)
            .first { $0["kind"]?.stringValue == "control.output" }?["fields"]?.objectValue
        #expect(logged?["output"]?.stringValue == "speakers")
        #expect(logged?["db"]?.doubleValue == -12)
        #expect(logged?["user"]?.stringValue != nil)
    }
}
