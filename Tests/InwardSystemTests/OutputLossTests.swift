@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One output lost while the other plays on: headphones and speakers each on
/// their own private PulseAudio server; the speakers' server is killed
/// mid-session and started again. The headphones must play on with no gap,
/// the speakers be reported lost by name and come back with a fade-in.
@Suite("inwardd: one output lost, the other plays on", .serialized)
struct OutputLossTests {
    @Test("the speakers' server killed and restarted: device.error and device.restored name the speakers, the headphones never falter")
    func followerLostAndBack() throws {
        let headphones = try PulseAudioRoom()
        defer { headphones.stop() }
        let speakers = try PulseAudioRoom()
        defer { speakers.stop() }
        let dir = TestAudio.temporaryDirectory("output-loss")
        let asoundrc = dir.appendingPathComponent("asoundrc").path
        try """
            pcm.hp { type pulse device room server "unix:\(headphones.runtimeDir.path)/pulse/native" }
            pcm.sp { type pulse device room server "unix:\(speakers.runtimeDir.path)/pulse/native" }
            """.write(toFile: asoundrc, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("inwardd.toml").path
        try """
            [[output]]
            name = "headphones"
            device = "hp"

            [[output]]
            name = "speakers"
            device = "sp"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var env = headphones.environment
        env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(asoundrc)"
        let daemon = try DaemonHarness(plans: ["noise.toml": OutputsRealtimeTests.plan], pace: nil, device: nil, environment: env,
                                       extraArguments: ["--config", config]) { plans in
            try TestAudio.noise(to: plans.appendingPathComponent("noise.wav").path, format: .wav16, amplitude: 0.5,
                                sampleRate: 48000, seconds: 60)
            try "#EXTM3U\nnoise.wav\n".write(to: plans.appendingPathComponent("noise.m3u8"), atomically: true, encoding: .utf8)
        }
        defer { daemon.terminate() }
        try headphones.startRecording()
        try speakers.startRecording()
        let c = try daemon.client()
        let started = try c.call(.start, ["plan": .string("noise")])
        let id = try #require(started.object["session_id"]?.stringValue, "\(started)")
        let log = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        func status() -> SessionStatus? {
            (try? c.call(.status).object["status"]?.objectValue).map { SessionStatus(json: $0) }
        }
        func event(_ kind: String) -> JSONObject? {
            SessionLogLines.readWhileWritten(log).first { $0["kind"]?.stringValue == kind }?["fields"]?.objectValue
        }
        #expect(waitUntil(timeout: 20, every: 0.1) { status()?.outputs.last?.state == "playing" && (status()?.sessionSeconds ?? 0) >= 5 })
        let before = headphones.recording.withLock { $0.samples.count }

        try speakers.killServer()
        #expect(waitUntil(timeout: 10, every: 0.1) { status()?.outputs.last?.state == "lost" }, "\(String(describing: status()?.outputs))")
        #expect(waitUntil(timeout: 10, every: 0.1) { event("device.error") != nil })
        #expect(event("device.error")?["output"]?.stringValue == "speakers")
        #expect(event("device.error")?["device"]?.stringValue == "sp")
        #expect(status()?.outputs.first?.state == "playing")
        usleep(3_000_000)
        let back = try speakers.restart()
        #expect(waitUntil(timeout: 15, every: 0.1) { event("device.restored")?["output"]?.stringValue == "speakers" })
        #expect(waitUntil(timeout: 15, every: 0.1) { status()?.outputs.last?.state == "playing" })
        usleep(5_000_000)
        print("speakers after the restart: \(String(describing: status()?.outputs.last))")
        let heard = headphones.recording.withLock { $0.samples }
        let after = speakers.recording.withLock { $0.samples }
        // The headphones: no 50 ms window in silence from before the loss until now.
        let windows = AudioAnalysis.windowedRMSDB(Array(heard[before...]), window: 2400)
        let quietest = windows.dropLast().min() ?? -200
        #expect(quietest > -40, "a window of the headphones fell to \(quietest) dB while the speakers were lost")
        // The speakers came back: sound again once the fade-in is done.
        #expect(after.count > back + 4 * 48000, "recorded \(after.count - back) frames on the speakers after the restart")
        if after.count > back + 4 * 48000 {
            #expect(AudioAnalysis.rmsDB(after[(after.count - 48000)...]) > -40)
        }
    }
}
