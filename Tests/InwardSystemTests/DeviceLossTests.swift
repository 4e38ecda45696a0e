@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The sound device going away mid-session, for real: the daemon plays in
/// real time through the ALSA pulse plugin into a private PulseAudio server
/// (which clients cannot respawn), the server is killed and started again
/// some seconds later. The session goes on by the wall clock and the music
/// fades back in where the session is by then.
@Suite("inwardd: a sound device lost mid-session", .serialized)
struct DeviceLossTests {
    /// Hz per second of the track's chirp: its pitch says where in the track the music is.
    static let sweep = 10.0
    static let baseHz = 300.0

    static let plan = """
        name = "sweep"
        route = "other"
        [[phase]]
        name = "sweep"
        duration = "10m"
        level_db = -6
        fade_in = "0.1s"
        source = { kind = "playlist", path = "sweep.m3u8" }
        """

    /// Zero-crossing frequency of `x` (Hz at `rate`).
    static func frequency(_ x: ArraySlice<Float>, rate: Int) -> Double {
        var crossings = 0
        var previous = x.first ?? 0
        for v in x.dropFirst() {
            if (previous < 0) != (v < 0) { crossings += 1 }
            previous = v
        }
        return Double(crossings) / 2 / (Double(x.count) / Double(rate))
    }

    static func wait(_ seconds: Double, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    @Test("the session goes on through the outage, logs device.error and device.restored with the gap, shows it in status, keeps the watchdog fed, and fades back in at the session's time")
    func serverKilledAndRestarted() throws {
        let room = try PulseAudioRoom(playerSocket: true)
        defer { room.stop() }
        let notifyDirectory = TestAudio.temporaryDirectory("deviceloss-notify")
        let notify = try NotifyListener(directory: notifyDirectory)
        defer { notify.close() }
        var env = room.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "1000000"   // pings every 0.5 s
        env.removeValue(forKey: "WATCHDOG_PID")
        let daemon = try DaemonHarness(plans: ["sweep.toml": Self.plan], pace: nil, device: "roompulse",
                                       environment: env) { dir in
            let w = 2 * Double.pi
            try TestAudio.write(to: dir.appendingPathComponent("sweep.wav").path, format: .wav16, sampleRate: 48000,
                                channels: 2, frames: 48000 * 90) { i, _ in
                let t = Double(i) / 48000
                return 0.5 * Float(sin(w * (Self.baseHz * t + Self.sweep / 2 * t * t)))
            }
            try "#EXTM3U\nsweep.wav\n".write(to: dir.appendingPathComponent("sweep.m3u8"), atomically: true, encoding: .utf8)
        }
        defer { daemon.terminate() }
        try room.startRecording()
        let c = try daemon.client()
        let m = "io.inward.Session."
        let started = try c.call(m + "Start", ["plan": "sweep"])
        let id = try #require(started.object["session_id"]?.stringValue, "Start: \(started.object)")
        let logPath = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        func status() throws -> JSONObject { try c.call(m + "Status").object["status"]?.objectValue ?? [:] }
        #expect(try Self.wait(15) { (try status()["session_seconds"]?.doubleValue ?? 0) >= 4 }, "the session never played 4 s")

        // The server dies: the session goes on, status shows the outage while it lasts.
        let killed = Date()
        try room.killServer()
        var lost: JSONObject = [:]
        let sawLoss = try Self.wait(10) {
            lost = try status()
            return lost["device_lost_seconds"]?.doubleValue != nil
        }
        #expect(sawLoss, "status never showed the device lost: \(lost)")
        #expect(lost["session_id"]?.stringValue == id && lost["state"]?.stringValue == "playing", "\(lost)")
        let lostSeen = Date()
        let sessionAtLoss = try #require(lost["session_seconds"]?.doubleValue)
        // The outage lasts about 5 s; the watchdog keeps vouching meanwhile.
        while Date().timeIntervalSince(killed) < 5 { usleep(50_000) }
        let during = try status()
        let lostFor = try #require(during["device_lost_seconds"]?.doubleValue, "the loss no longer shows: \(during)")
        #expect(lostFor >= Date().timeIntervalSince(lostSeen) - 0.5 && lostFor <= Date().timeIntervalSince(killed) + 0.5,
                "device_lost_seconds \(lostFor) for an outage of \(Date().timeIntervalSince(killed)) s")
        let shown = try ProcessRun.product("inward", ["--socket", daemon.socket, "status"])
        #expect(shown.status == 0 && shown.stdout.contains("device lost") && shown.stdout.contains("retrying every second"),
                "inward status during the outage: \(shown.stdout) \(shown.stderr)")
        let pings = notify.times(of: "WATCHDOG=1").filter { $0 > lostSeen }.count
        let span = Date().timeIntervalSince(lostSeen)
        #expect(Double(pings) >= span / 0.5 - 2, "\(pings) watchdog pings in \(span) s of outage; want one every 0.5 s")
        let sessionAtRestart = try #require(during["session_seconds"]?.doubleValue)
        // The session clock ran on by the wall clock while the device was gone.
        let ranOn = (during["session_seconds"]?.doubleValue ?? 0) - sessionAtLoss
        #expect(abs(ranOn - Date().timeIntervalSince(lostSeen)) < 0.5,
                "the session clock ran \(ranOn) s in \(Date().timeIntervalSince(lostSeen)) s of outage")

        let firstSample = try room.restart()
        let restarted = Date()
        let outage = restarted.timeIntervalSince(killed)
        #expect(Self.wait(10) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "device.restored" } },
                "no device.restored in the log within 10 s of the restart")
        let back = try status()
        let shownBack = try ProcessRun.product("inward", ["--socket", daemon.socket, "status"])
        #expect(shownBack.status == 0 && !shownBack.stdout.contains("device lost"), "inward status once back: \(shownBack.stdout)")
        #expect(back["device_lost_seconds"] == .null && back["session_id"]?.stringValue == id, "\(back)")
        #expect((back["session_seconds"]?.doubleValue ?? 0) > sessionAtRestart, "the session clock stopped: \(back)")
        // Six seconds of music after the restart, for the fade and the pitch.
        #expect(Self.wait(15) { room.recording.withLock { $0.samples.count } >= firstSample + 6 * room.rate })
        let after = room.recording.withLock { Array($0.samples[firstSample...]) }
        #expect(try c.call(m + "Stop", [:]).error == nil)
        #expect(Self.wait(15) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "session.end" } })

        // The log: one device.error, then one device.restored with the gap; one session.
        let events = SessionLogLines.readWhileWritten(logPath)
        let kinds = events.compactMap { $0["kind"]?.stringValue }
        let error = try #require(events.first { $0["kind"]?.stringValue == "device.error" }, "kinds: \(kinds)")
        let restored = try #require(events.first { $0["kind"]?.stringValue == "device.restored" }, "kinds: \(kinds)")
        #expect(kinds.filter { $0 == "device.error" }.count == 1 && kinds.filter { $0 == "device.restored" }.count == 1, "\(kinds)")
        #expect(kinds.firstIndex(of: "device.error")! < kinds.firstIndex(of: "device.restored")!)
        #expect(kinds.filter { $0 == "session.start" }.count == 1 && kinds.last == "session.end", "\(kinds)")
        #expect(error["fields"]?["device"]?.stringValue == "roompulse" && error["fields"]?["message"]?.stringValue != nil)
        let gap = try #require(restored["fields"]?["gap_seconds"]?.doubleValue)
        // Lost within a device buffer of the kill; back within a retry (1 s) of the restart.
        #expect(gap > outage - 1 && gap < outage + 2, "gap_seconds \(gap) for an outage of \(outage) s")
        let lostFrame = try #require(error["fields"]?["frame"]?.int64Value)
        let backFrame = try #require(restored["fields"]?["frame"]?.int64Value)
        #expect(abs(Double(backFrame - lostFrame) / 48000 - gap) < 0.01)
        let end = events.last?["fields"]?.objectValue ?? [:]
        #expect(end["reason"]?.stringValue == "stopped", "\(end)")

        // The recording after the restart: silence, then a smooth fade-in, no step.
        let window = 2400   // 50 ms
        let levels = stride(from: 0, to: after.count - window, by: window).map { AudioAnalysis.rms(after[$0..<($0 + window)]) }
        let steady = levels.suffix(10).reduce(0, +) / Double(min(10, levels.count))
        #expect(steady > 0.1, "no music after the restart (steady rms \(steady))")
        let first = try #require(levels.firstIndex { $0 > steady * 0.02 }, "never audible after the restart")
        let full = try #require(levels[first...].firstIndex { $0 > steady * 0.9 })
        // A step shows as a jump of the level reached so far; a dip (an underrun on a loaded machine) does not.
        var reached = 0.0
        var largestStep = 0.0
        for level in levels[first...] {
            largestStep = max(largestStep, level - reached)
            reached = max(reached, level)
        }
        #expect(levels[first] < steady * 0.3, "the music came back at \(levels[first] / steady) of its level: a step, not a fade")
        let profile: [Int] = levels[first...].map { Int($0 / steady * 100) }
        #expect(largestStep < steady * 0.15,
                "a step of \(largestStep / steady) of the level between 50 ms windows; levels (%) from the first audible: \(profile)")
        let fadeSeconds = Double(full - first) * Double(window) / Double(room.rate)
        #expect(fadeSeconds > 1.5 && fadeSeconds < 4, "the fade-in took \(fadeSeconds) s; want about 3")

        // The pitch says where in the track the music is. The fade began at the session frame device.restored
        // logs (which the gap ties to the wall clock), so counting samples from it says where the music should
        // be; the median over 250 ms stretches at full level (a dip is a dropout, not music).
        let trackFrame = try #require(events.first { $0["kind"]?.stringValue == "track.start" }?["fields"]?["frame"]?.int64Value)
        let fadeStart = Double(first * window) - 0.04 * Double(room.rate)   // the first audible window is ~40 ms into the fade
        var offsets: [Double] = []
        var k = full
        while k + 5 <= levels.count {
            if levels[k..<(k + 5)].allSatisfy({ $0 > steady * 0.7 }) {
                let a = k * window, b = (k + 5) * window
                let hz = Self.frequency(after[a..<b], rate: room.rate)
                let expected = Double(backFrame - trackFrame) / 48000 + (Double(a + b) / 2 - fadeStart) / Double(room.rate)
                offsets.append((hz - Self.baseHz) / Self.sweep - expected)
            }
            k += 5
        }
        try #require(offsets.count >= 3, "too little music at full level after the fade: \(offsets.count) stretches")
        let offset = offsets.sorted()[offsets.count / 2]
        // An underrun plays up to a period of silence in the music's place, delaying it against the session
        // clock; a loaded machine has many. On a quiet one the offset is about 0.1 s.
        let underruns = Int(end["underruns"]?.int64Value ?? 0) + Int(end["xruns"]?.int64Value ?? 0)
        let tolerance = 0.4 + Double(underruns) * 1024 / 48000
        #expect(abs(offset) < tolerance,
                "heard the track \(offset) s off where the session clock puts it (\(underruns) underruns and xruns; offsets \(offsets))")

        let verify = try ProcessRun.product("inward", ["verify", logPath])
        #expect(verify.status == 0, "inward verify: \(verify.stdout) \(verify.stderr)")
        print("device loss: outage \(String(format: "%.2f", outage)) s, logged gap \(gap) s, fade-in \(fadeSeconds) s, "
            + "track heard \(String(format: "%.2f", offset)) s off the session clock's position, \(underruns) underruns and xruns")
    }

    @Test("a session stopped while its device is gone ends normally: stopped, no device.restored, the saved state removed, the log verifies, and the next session plays")
    func stoppedDuringTheOutage() throws {
        let room = try PulseAudioRoom(playerSocket: true)
        defer { room.stop() }
        let daemon = try DaemonHarness(plans: ["sweep.toml": Self.plan], pace: nil, device: "roompulse",
                                       environment: room.environment) { dir in
            try TestAudio.sine(to: dir.appendingPathComponent("sweep.wav").path, format: .wav16, frequency: 440,
                               sampleRate: 48000, seconds: 60)
            try "#EXTM3U\nsweep.wav\n".write(to: dir.appendingPathComponent("sweep.m3u8"), atomically: true, encoding: .utf8)
        }
        defer { daemon.terminate() }
        let c = try daemon.client()
        let m = "io.inward.Session."
        func status() throws -> JSONObject { try c.call(m + "Status").object["status"]?.objectValue ?? [:] }
        let id = try #require(try c.call(m + "Start", ["plan": "sweep"]).object["session_id"]?.stringValue)
        let logPath = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        let statePath = daemon.state.appendingPathComponent("state.json").path
        #expect(try Self.wait(15) { (try status()["session_seconds"]?.doubleValue ?? 0) >= 2 })
        try room.killServer()
        #expect(Self.wait(10) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "device.error" } })
        // The session and its saved state stand through the outage.
        let saved = (try? String(contentsOfFile: statePath, encoding: .utf8)) ?? ""
        #expect(saved.contains(id), "state.json during the outage: \(saved)")
        #expect(try status()["device_lost_seconds"]?.doubleValue != nil)
        #expect(try c.call(m + "Stop", [:]).error == nil)
        #expect(Self.wait(15) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "session.end" } },
                "the session did not end while its device was gone")
        let events = SessionLogLines.readWhileWritten(logPath)
        let kinds = events.compactMap { $0["kind"]?.stringValue }
        #expect(!kinds.contains("device.restored") && kinds.last == "session.end", "\(kinds)")
        #expect(events.last?["fields"]?["reason"]?.stringValue == "stopped", "\(String(describing: events.last))")
        #expect(Self.wait(5) { !FileManager.default.fileExists(atPath: statePath) }, "state.json outlived the session")
        let verify = try ProcessRun.product("inward", ["verify", logPath])
        #expect(verify.status == 0, "inward verify: \(verify.stdout) \(verify.stderr)")
        #expect(try status()["state"]?.stringValue == "idle")

        // The device back, the next session plays on it.
        try room.restart()
        let next = try c.call(m + "Start", ["plan": "sweep"])
        #expect(next.error == nil, "Start after the outage: \(next.object)")
    }

    @Test("a daemon that crashes while its device is gone picks the session up again and retries the device; it comes back when the device does")
    func resumedWhileTheDeviceIsGone() throws {
        let room = try PulseAudioRoom(playerSocket: true)
        defer { room.stop() }
        let first = try DaemonHarness(plans: ["sweep.toml": Self.plan], pace: nil, device: "roompulse",
                                      environment: room.environment) { dir in
            try TestAudio.sine(to: dir.appendingPathComponent("sweep.wav").path, format: .wav16, frequency: 440,
                               sampleRate: 48000, seconds: 60)
            try "#EXTM3U\nsweep.wav\n".write(to: dir.appendingPathComponent("sweep.m3u8"), atomically: true, encoding: .utf8)
        }
        let m = "io.inward.Session."
        let a = try first.client()
        let id = try #require(try a.call(m + "Start", ["plan": "sweep"]).object["session_id"]?.stringValue)
        let logPath = first.state.appendingPathComponent("sessions/\(id).jsonl").path
        #expect(Self.wait(15) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "phase.start" } })
        try room.killServer()
        #expect(Self.wait(10) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "device.error" } })
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        // The device still gone: the new daemon resumes the session anyway and says the device is lost.
        let second = try DaemonHarness(plans: ["sweep.toml": Self.plan], pace: nil, device: "roompulse",
                                       environment: room.environment, state: first.state)
        defer { second.terminate() }
        let b = try second.client()
        func status() throws -> JSONObject { try b.call(m + "Status").object["status"]?.objectValue ?? [:] }
        var resumed: JSONObject = [:]
        #expect(try Self.wait(10) {
            resumed = try status()
            return resumed["device_lost_seconds"]?.doubleValue != nil
        }, "status after the restart: \(resumed)")
        #expect(resumed["session_id"]?.stringValue == id)
        try room.restart()
        #expect(Self.wait(10) { SessionLogLines.readWhileWritten(logPath).contains { $0["kind"]?.stringValue == "device.restored" } },
                "no device.restored after the device came back")
        #expect(try Self.wait(5) { try status()["device_lost_seconds"] == .null })
        let kinds = SessionLogLines.readWhileWritten(logPath).compactMap { $0["kind"]?.stringValue }
        #expect(kinds.contains("session.resume") && !kinds.contains("session.end"), "\(kinds)")
        #expect(kinds.filter { $0 == "device.error" }.count == 2, "one loss per daemon: \(kinds)")
        let verify = try ProcessRun.product("inward", ["verify", logPath])
        #expect(verify.status == 0, "inward verify: \(verify.stdout) \(verify.stderr)")
    }
}
