@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two outputs in real time: a private PulseAudio server with one
/// four-channel null sink (`quad`, on a real-time clock) and two remap sinks
/// on it, `hp` on its front pair and `sp` on its rear pair, played through
/// ALSA's pulse plugin as two outputs. The sink's monitor is recorded once,
/// so both outputs are heard on one clock: cross-correlation says how far
/// apart they play, and each pair's level is its own.
@Suite("inwardd: two outputs in real time through PulseAudio", .serialized)
struct OutputsRealtimeTests {
    static let plan = """
        name = "noise"
        route = "other"
        level_cap_db = -1
        [[phase]]
        name = "bed"
        duration = "10m"
        level_db = -10
        fade_in = "0.1s"
        source = { kind = "playlist", path = "noise.m3u8" }
        """

    final class QuadRoom {
        let directory = TestAudio.temporaryDirectory("pulse-quad")
        var runtime: URL { directory.appendingPathComponent("run") }
        var asoundrc: String { directory.appendingPathComponent("asoundrc").path }
        var recording: String { directory.appendingPathComponent("quad.raw").path }
        private var recorder: Process?

        var environment: [String: String] {
            var env = ProcessInfo.processInfo.environment
            env["XDG_RUNTIME_DIR"] = runtime.path
            env["PULSE_SERVER"] = "unix:\(runtime.path)/pulse/native"
            env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(asoundrc)"
            env["XDG_CONFIG_HOME"] = directory.appendingPathComponent("config").path
            env["PULSE_CLIENTCONFIG"] = directory.appendingPathComponent("config/pulse/client.conf").path
            return env
        }

        init() throws {
            try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let config = directory.appendingPathComponent("config/pulse")
            try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
            try "autospawn = no\n".write(to: config.appendingPathComponent("client.conf"), atomically: true, encoding: .utf8)
            try "pcm.hp { type pulse device hp }\npcm.sp { type pulse device sp }\nctl.hp { type pulse }\n"
                .write(toFile: asoundrc, atomically: true, encoding: .utf8)
            let map = "front-left,front-right,rear-left,rear-right"
            guard try run("/usr/bin/pulseaudio", ["-n", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit",
                                                  "--load=module-null-sink sink_name=quad rate=48000 channels=4 channel_map=\(map)",
                                                  "--load=module-native-protocol-unix"]) == 0 else {
                throw QuadFailure(description: "pulseaudio did not start; is Debian's pulseaudio installed?")
            }
            guard waitUntil(timeout: 10, every: 0.05, { (try? self.run("/usr/bin/pactl", ["info"])) == 0 }) else {
                throw QuadFailure(description: "pulseaudio is not answering")
            }
            for (name, pair) in [("hp", "front-left,front-right"), ("sp", "rear-left,rear-right")] {
                let status = try run("/usr/bin/pactl", ["load-module", "module-remap-sink", "sink_name=\(name)", "master=quad",
                                                        "channels=2", "master_channel_map=\(pair)",
                                                        "channel_map=front-left,front-right", "remix=no"])
                guard status == 0 else { throw QuadFailure(description: "pactl could not load the remap sink \(name)") }
            }
        }

        func startRecording() throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/parec")
            p.arguments = ["-d", "quad.monitor", "--format=s16le", "--rate=48000", "--channels=4",
                           "--channel-map=front-left,front-right,rear-left,rear-right", "--raw", "--latency-msec=10"]
            p.environment = environment
            FileManager.default.createFile(atPath: recording, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: recording))
            p.standardError = FileHandle.nullDevice
            try p.run()
            recorder = p
        }

        /// Stops the recorder; returns the four channels.
        func stopRecording() throws -> [[Float]] {
            if let recorder {
                // SIGKILL: parec started from the test runner may not act on SIGTERM.
                kill(recorder.processIdentifier, SIGKILL)
                recorder.waitUntilExit()
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: recording))
            var channels = [[Float]](repeating: [], count: 4)
            data.withUnsafeBytes { raw in
                let s = raw.bindMemory(to: Int16.self)
                for i in 0..<(s.count / 4) {
                    for c in 0..<4 { channels[c].append(Float(Int16(littleEndian: s[4 * i + c])) / 32768) }
                }
            }
            return channels
        }

        func stop() {
            if let recorder, recorder.isRunning { kill(recorder.processIdentifier, SIGKILL); recorder.waitUntilExit() }
            _ = try? run("/usr/bin/pulseaudio", ["--kill"])
        }

        @discardableResult
        func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = arguments
            p.environment = environment
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
    }

    @Test("recorded once from the four-channel sink: the two outputs play within 2 ms of each other, each at its own level, a change heard on its output only")
    func alignedInRealTime() throws {
        let room = try QuadRoom()
        defer { room.stop() }
        let config = room.directory.appendingPathComponent("inwardd.toml").path
        try """
            [[output]]
            name = "headphones"
            device = "hp"

            [[output]]
            name = "speakers"
            device = "sp"
            level_db = -6
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonHarness(plans: ["noise.toml": Self.plan], pace: nil, device: nil, environment: room.environment,
                                       extraArguments: ["--config", config]) { plans in
            try TestAudio.noise(to: plans.appendingPathComponent("noise.wav").path, format: .wav16, amplitude: 0.5,
                                sampleRate: 48000, seconds: 60)
            try "#EXTM3U\nnoise.wav\n".write(to: plans.appendingPathComponent("noise.m3u8"), atomically: true, encoding: .utf8)
        }
        defer { daemon.terminate() }
        try room.startRecording()
        let c = try daemon.client()
        let started = try c.call(.start, ["plan": .string("noise")])
        #expect(started.error == nil, "\(started)")
        func status() -> SessionStatus? {
            (try? c.call(.status).object["status"]?.objectValue).map { SessionStatus(json: $0) }
        }
        // The speakers align while silent, then fade in over 3 s.
        #expect(waitUntil(timeout: 20, every: 0.1) { status()?.outputs.last?.state == "playing" && (status()?.sessionSeconds ?? 0) >= 6 },
                "the speakers never played: \(String(describing: status()?.outputs))")
        // Then until its 3 s fade-in is over and 3 s more, the window measured before the change.
        let playingSince = Date()
        #expect(waitUntil(timeout: 20, every: 0.1) {
            status()?.outputs.last?.state == "playing" && Date().timeIntervalSince(playingSince) >= 6.5
        }, "the speakers did not stay playing: \(String(describing: status()?.outputs))")
        let shown = status()
        #expect(shown?.outputs.first?.delaySeconds != nil, "\(String(describing: shown?.outputs))")
        // Then the headphones go down 6 dB; the speakers must not change.
        let changeAt = Date()
        let reply = try c.call(.setOutput, ["output": .string("headphones"), "db": .number(-6)])
        #expect(reply.error == nil, "\(reply)")
        // Once in step, the speakers stay playing: a realignment (silent, then a fade-in) is a dropout.
        var leftStep: [String] = []
        while Date().timeIntervalSince(changeAt) < 10 {
            if let o = status()?.outputs.last, o.state != "playing" {
                leftStep.append("\(String(format: "%.1f", Date().timeIntervalSince(changeAt))) s: \(o.state) offset \(String(describing: o.offsetSeconds))")
            }
            usleep(100_000)
        }
        #expect(leftStep.isEmpty, "the speakers left their step after the change: \(leftStep)")
        // What the daemon measured (the recording below is what counts).
        print("speakers as status shows them: \(String(describing: status()?.outputs.last))")
        let quad = try room.stopRecording()
        _ = try c.call(.stop)
        let rate = 48000
        // The last 3 s recorded come after the change has ramped (at most 0.5 s at 12 dB/s), the 3 s before it before.
        let end = quad[0].count
        #expect(end > 9 * rate, "recorded \(end) frames")
        let changeFrame = end - Int(Date().timeIntervalSince(changeAt) * Double(rate))
        let after = (end - 3 * rate)..<end
        let before = (changeFrame - 3 * rate)..<(changeFrame - rate / 4)
        let hp = quad[0], sp = quad[2]
        // The lag second by second over the recording (where the speakers play at all), for the record.
        // The lag second by second over the whole recording, wherever the speakers play (fading in included).
        let series = stride(from: 0, to: end - rate, by: rate).compactMap { start -> (Int, Int)? in
            AudioAnalysis.rmsDB(sp[start..<(start + rate)]) > -40
                ? (start / rate, OutputsTests.bestLag(hp, sp, start: start, count: 9600, range: 480)) : nil
        }
        print("lag by second of the recording: \(series.map { "\($0.0):\($0.1)" }.joined(separator: " "))")
        #expect(!series.isEmpty && series.allSatisfy { abs($0.1) <= 96 }, "the speakers left the 2 ms bound: \(series)")
        let lag = OutputsTests.bestLag(hp, sp, start: before.lowerBound, count: 9600, range: 480)
        #expect(abs(lag) <= 96, "the speakers play \(lag) frames (\(Double(lag) / 48) ms) after the headphones")
        let lagLate = OutputsTests.bestLag(hp, sp, start: after.lowerBound, count: 9600, range: 480)
        #expect(abs(lagLate) <= 96, "later: \(lagLate) frames (\(Double(lagLate) / 48) ms)")
        let gapBefore = AudioAnalysis.rmsDB(hp[before]) - AudioAnalysis.rmsDB(sp[before])
        let gapAfter = AudioAnalysis.rmsDB(hp[after]) - AudioAnalysis.rmsDB(sp[after])
        #expect(abs(gapBefore - 6) <= 0.5, "headphones \(gapBefore) dB over the speakers, configured 6")
        #expect(abs(gapAfter) <= 0.5, "headphones \(gapAfter) dB over the speakers after -6 on the headphones")
        #expect(abs(AudioAnalysis.rmsDB(sp[before]) - AudioAnalysis.rmsDB(sp[after])) <= 0.5, "the speakers moved")
        print("outputs in real time: lag \(lag) then \(lagLate) frames; levels \(gapBefore) then \(gapAfter) dB")
    }
}

struct QuadFailure: Error, CustomStringConvertible { let description: String }
