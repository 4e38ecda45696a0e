@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon in real time into a PulseAudio null sink: how long after its
/// reply a control is heard, measured from a recording of the room. The
/// figures are printed (and gathered by scripts/bench-daemon); the test only
/// asserts that each control was heard at all within a second, since timing
/// on these shared machines is not a pass/fail matter.
@Suite("inwardd in real time", .serialized)
struct RealtimeLatencyTests {
    static let plan = PlanFixture(name: "tone", route: "other", phases: [
        .init("tone", "10m", level: -6, fadeIn: "0.1s", source: .playlist("tone.m3u8")),
    ]).toml

    @Test("a volume change is heard within a device buffer of the reply")
    func volumeLatency() throws {
        let room = try PulseAudioRoom()
        defer { room.stop() }
        let daemon = try DaemonHarness(plans: ["tone.toml": Self.plan], pace: nil, device: "roompulse",
                                       environment: room.environment) { dir in
            try TonePlaylist.single("tone", frequency: 1000, seconds: 120).write(to: dir)
        }
        defer { daemon.terminate() }
        try room.startRecording()
        let c = try daemon.client()
        #expect(try c.call(.start, ["plan": "tone"]).error == nil)
        // The last 0.1 s of the room's recording, in dBFS (silence: -inf).
        func recentDB() -> Double {
            room.recording.withLock { r in r.samples.count < 4800 ? -.infinity : AudioAnalysis.rmsDB(r.samples.suffix(4800)) }
        }
        // The tone (-6 dB plan level, amplitude 0.5: about -15 dBFS RMS) is heard,
        // past its fade-in and steady: two 0.1 s windows in a row at one level.
        func steady() -> Bool {
            room.recording.withLock { r in
                guard r.samples.count >= 9600 else { return false }
                let older = AudioAnalysis.rmsDB(r.samples.suffix(9600).prefix(4800))
                let newer = AudioAnalysis.rmsDB(r.samples.suffix(4800))
                return newer > -20 && abs(newer - older) < 0.2
            }
        }
        try #require(waitUntil(timeout: 20) { steady() }, "the tone was never heard steady in the room: \(recentDB()) dBFS")

        // Each round: a volume ramp down (-40 dB over 2 s, so 20 dB/s: 0.5 dB
        // takes 25 ms of ramp), then back up to 0 dB.
        var latencies: [Double] = []
        for _ in 0..<5 {
            let baselineStart = room.recording.withLock { $0.samples.count }
            // 0.3 s of steady tone to compare with.
            try #require(waitUntil(timeout: 20) { room.recording.withLock { $0.samples.count } >= baselineStart + 14_400 },
                         "the recording stopped growing")
            let baseline = room.recording.withLock { AudioAnalysis.rmsDB($0.samples[baselineStart...]) }
            let sent = Date().timeIntervalSince1970
            let reply = try c.call(.setVolume, ["db": -40.0])
            let replied = Date().timeIntervalSince1970
            #expect(reply.error == nil)
            // First 2.5 ms window after the reply whose level is 0.5 dB down,
            // looked for as the recording grows (for up to 10 s on a loaded machine).
            func firstDrop() -> Double? { room.recording.withLock { r in
                let window = 120
                var i = baselineStart
                while i + window <= r.samples.count {
                    if AudioAnalysis.rmsDB(r.samples[i..<(i + window)]) < baseline - 0.5 {
                        return Double(i + window / 2)
                    }
                    i += window / 2
                }
                return nil
            } }
            let heard = waitFor(timeout: 10, every: 0.1) { firstDrop() }
            let at = heard.flatMap { room.arrival(of: Int($0)) }
            let recorded = room.recording.withLock { $0.samples.count - baselineStart }
            try #require(at != nil, "the volume change was never heard (baseline \(baseline) dB, \(recorded) samples recorded since)")
            let latency = at! - replied - 0.025
            // The figure is printed below; this only catches a change heard far
            // too late (the limit is not a benchmark: this machine is shared).
            #expect(at! - sent < 2.0, "heard \(at! - sent) s after the call")
            latencies.append(latency)
            #expect(try c.call(.setVolume, ["db": 0.0]).error == nil)
            // Back up (a 2 s ramp) to this round's baseline, and steady, before the next round.
            try #require(waitUntil(timeout: 20) { recentDB() > baseline - 0.3 && steady() },
                         "the level never came back to \(baseline) dBFS after the volume went back to 0 dB: \(recentDB())")
        }
        let sorted = latencies.sorted()
        print("inwardd control latency (reply -> heard in the room recording, 5 rounds): median \(Int(sorted[2] * 1000)) ms, "
            + "min \(Int(sorted[0] * 1000)) ms, max \(Int(sorted[4] * 1000)) ms; all: \(latencies.map { Int($0 * 1000) })")
    }
}
