@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A whole session through the real daemon, paced, into ALSA's file PCM: each
/// control is sent over the protocol, and the capture shows it did what it
/// says when it says.
@Suite("inwardd session", .serialized)
struct DaemonSessionTests {
    static let rate = 48000

    /// Onset and peak last far longer than the controls sent in them need
    /// (`next` ends peak), so a loaded machine's slow calls cannot carry a
    /// control into the following phase.
    static let plan = PlanFixture.music(
        name: "system", closing: .init("closing", "60s", fadeIn: "1s", source: .silence)).toml

    /// Collects a Monitor stream on its own connection.
    final class Monitor: @unchecked Sendable {
        let events = Mutex<[JSONObject]>([])
        /// Each event's seq with the `last_seq` of the status sent with it, while a session ran.
        let sequence = Mutex<[(event: Int64, status: Int64)]>([])
        let client: VarlinkTestClient

        init(socket: String) throws {
            client = try VarlinkTestClient(path: socket)
            let first = try client.call(.monitor, more: true)
            precondition(first.continues, "Monitor must stream")
            Thread { [self] in
                while let reply = try? client.receive() {
                    if let event = reply.object["event"]?.objectValue { events.withLock { $0.append(event) } }
                    if let seq = reply.object["event"]?["seq"]?.int64Value, let status = reply.object["status"]?.objectValue,
                       status["state"]?.stringValue != "idle", let last = status["last_seq"]?.int64Value {
                        sequence.withLock { $0.append((seq, last)) }
                    }
                }
            }.start()
        }

        func all(_ kind: String) -> [JSONObject] { events.withLock { $0.filter { $0["kind"]?.stringValue == kind } } }

        /// The frame heard when the daemon recorded the `n`th `kind` event,
        /// which it does as it applies the control: before the log's fsync
        /// and the reply, so a loaded machine's delays there do not move it.
        /// Waits for the stream to bring it.
        func frame(_ kind: String, _ n: Int = 0) throws -> Int {
            let deadline = Date().addingTimeInterval(TestTime.scaled(15))
            while Date() < deadline {
                let found = all(kind)
                if found.count > n, let s = found[n]["session_seconds"]?.doubleValue { return Int(s * Double(DaemonSessionTests.rate)) }
                usleep(5_000)
            }
            throw MonitorTimeout(kind: kind, n: n)
        }

        struct MonitorTimeout: Error { var kind: String; var n: Int }
    }

    @Test("dose, hold, pause, resume, volume, skip, silence, next and stop do what they say, when they say")
    func fullSession() throws {
        let daemon = try DaemonHarness(plans: ["system.toml": Self.plan], pace: 12) { dir in
            for (name, hz) in [("a", 330.0), ("b", 440.0), ("c", 880.0)] {
                try TonePlaylist.single(name, frequency: hz, seconds: 90, sampleRate: Self.rate).write(to: dir)
            }
        }
        let c = try daemon.client()
        let monitor = try Monitor(socket: daemon.socket)

        // Nothing runs yet.
        #expect(try c.call(.dose).error == "io.inward.Session.NoSession")
        let started = try c.call(.start, ["plan": "system", "client": "C-0042"])
        #expect(started.error == nil, "start failed: \(started.object)")
        #expect(started.object["status"]?["state"]?.stringValue == "waiting_for_dose")
        #expect(try c.call(.start, ["plan": "system"]).error == "io.inward.Session.SessionActive")
        #expect(try c.call(.start, ["plan": "system", "client": "Jane Doe"]).error != nil)

        try c.waitForClock(3)
        let dose = try c.call(.dose, ["amount": "60 mg"])
        #expect(dose.object["t0"]?.boolValue == true)
        // A second dose that does not say booster (an up-arrow and Enter) is refused, naming the first.
        let repeated = try c.call(.dose, ["amount": "60 mg"])
        #expect(repeated.error == "io.inward.Session.DoseAlreadyMarked", "\(repeated.object)")
        #expect(repeated.object["time"]?.stringValue?.hasSuffix("Z") == true && repeated.object["t0_seconds"]?.doubleValue != nil)
        let booster = try c.call(.dose, ["amount": "20 mg", "booster": true])
        #expect(booster.object["booster"]?.boolValue == true)

        try c.waitForClock(5, sinceDose: true)
        let hold = try c.call(.hold, ["seconds": 10.0])
        #expect(hold.object["held_seconds"]?.doubleValue == 10)
        #expect(hold.object["max_seconds"]?.doubleValue == 30)

        try c.waitForClock(8, sinceDose: true)
        #expect(try c.call(.pause).error == nil)
        let pauseFrame = try monitor.frame("control.pause")
        try c.waitForClock(14, sinceDose: true)
        // Later controls wait for the earlier ones' effects to be measurable, however slow the machine.
        try c.waitForClock(Double(pauseFrame) / Double(Self.rate) + 5.5)
        #expect(try c.call(.resume).error == nil)
        let resumeFrame = try monitor.frame("control.resume")

        // The resume comes back under the level speed limit: its last 40 dB take over 13 s.
        try c.waitForClock(30, sinceDose: true)
        try c.waitForClock(Double(resumeFrame) / Double(Self.rate) + 15.5)
        let volume = try c.call(.setVolume, ["db": -6.0])
        #expect(volume.object["volume_db"]?.doubleValue == -6)
        let volumeFrame = try monitor.frame("control.volume")

        try c.waitForClock(53, sinceDose: true)   // peak since T+50 (40 s + 10 s hold)
        #expect(try c.sessionStatus()["phase"]?["name"]?.stringValue == "peak")
        #expect(try c.call(.skip).error == nil)
        let skipFrame = try monitor.frame("control.skip")

        try c.waitForClock(60, sinceDose: true)
        try c.waitForClock(Double(skipFrame) / Double(Self.rate) + 6)
        #expect(try c.call(.silence).error == nil)
        let silenceFrame = try monitor.frame("control.silence")
        try c.waitForClock(64, sinceDose: true)
        try c.waitForClock(Double(silenceFrame) / Double(Self.rate) + 4)
        _ = try c.call(.resume)
        try c.waitForClock(67, sinceDose: true)
        let next = try c.call(.next)
        #expect(next.error == nil)
        #expect(next.object["from"]?.stringValue == "peak" && next.object["to"]?.stringValue == "closing"
                && next.object["to_index"]?.int64Value == 3, "\(next.object)")
        try c.waitForClock(72, sinceDose: true)
        let stop = try c.call(.stop)
        #expect(stop.error == nil, "stop failed: \(stop.error ?? "") \(stop.object)")
        let stopFrame = try monitor.frame("control.stop")

        // A dose was marked: the music ends, the record stays open in aftercare until discharge.
        let deadline = Date().addingTimeInterval(TestTime.scaled(30))
        while Date() < deadline, (try c.sessionStatus())["state"]?.stringValue != "aftercare" { usleep(10_000) }
        let aftercare = try c.sessionStatus()
        #expect(aftercare["state"]?.stringValue == "aftercare")
        #expect(aftercare["aftercare"]?["music_ended_seconds"]?.doubleValue != nil && aftercare["phase"] == .null)
        let blocked = try c.call(.start, ["plan": "system"])
        #expect(blocked.error == "io.inward.Session.SessionActive" && blocked.object["state"]?.stringValue == "aftercare")
        #expect(try c.call(.pause).error == "io.inward.Session.InAftercare")
        #expect(try c.call(.mark, ["kind": "note", "text": "resting"]).error == nil)
        #expect(try c.call(.discharge).error == nil)
        #expect(try c.sessionStatus()["state"]?.stringValue == "idle")
        let (code, log) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(log.suffix(2000))")

        // Events: every control recorded, phases at their exact frames.
        let starts = monitor.all("phase.start")
        let t0Frame = Int(monitor.all("dose").first?["fields"]?["frame"]?.int64Value ?? -1)
        #expect(t0Frame > 0)
        let onsetStart = starts.first { $0["phase"]?.stringValue == "onset" }?["fields"]?["frame"]?.int64Value
        let peakStart = starts.first { $0["phase"]?.stringValue == "peak" }?["fields"]?["frame"]?.int64Value
        #expect(monitor.all("booster").count == 1)
        // The status sent with an event already counts it.
        let sequence = monitor.sequence.withLock { $0 }
        #expect(!sequence.isEmpty)
        #expect(sequence.allSatisfy { $0.status >= $0.event }, "status behind its event: \(sequence.filter { $0.status < $0.event })")
        for kind in ["control.hold", "control.pause", "control.resume", "control.volume", "control.skip",
                     "control.silence", "control.next", "control.stop", "music.end", "session.end"] {
            #expect(!monitor.all(kind).isEmpty, "no \(kind) event")
        }
        // The hold moved the onset/peak boundary by exactly 10 s: T0 + 40 s + 10 s.
        if let onsetStart, let peakStart {
            // The music changes from the first frame not yet mixed: at most a ring (8192), the period the audio
            // thread holds (2048, the default for a device that does not rewind) and the limiter later.
            #expect(onsetStart >= t0Frame && onsetStart - Int64(t0Frame) <= 8192 + 2048 + 240, "onset began \(onsetStart - Int64(t0Frame)) frames after T0")
            #expect(peakStart - Int64(t0Frame) == Int64(50 * Self.rate), "peak began \(peakStart - Int64(t0Frame)) frames after T0")
        } else {
            Issue.record("no phase.start events for onset and peak")
        }

        let audio = try WavReader.read(daemon.capture)
        let x = audio.channels[0]
        #expect(audio.sampleRate == Self.rate)

        // The 880 Hz peak track is heard from the peak's first frame: its fade-in
        // is under way 100 ms in, and nothing of it 100 ms before.
        if let peakStart {
            let p = Int(peakStart)
            func tone(_ at: Int) -> Double {
                AudioAnalysis.goertzel(Array(x[(at - 1200)..<(at + 1200)]), frequency: 880, sampleRate: Self.rate)
            }
            #expect(tone(p - 4800) < 0.001)
            #expect(tone(p + 12_000) > 0.01)
        }

        // Pause: down over its 4 s fade (equal-power: -3 dB at half way), silent after; resume brings it back.
        let steady = AudioAnalysis.rmsDB(x, around: pauseFrame - Self.rate)
        #expect(steady > -20)
        let half = AudioAnalysis.rmsDB(x, around: pauseFrame + 2 * Self.rate)
        #expect(abs(half - (steady - 3)) < 1.5, "half-way through the pause fade: \(half) dB, steady \(steady) dB")
        #expect(AudioAnalysis.rmsDB(x, around: pauseFrame + Int(4.5 * Double(Self.rate))) < -60)
        #expect(AudioAnalysis.rmsDB(x, around: resumeFrame + Int(14.5 * Double(Self.rate))) > steady - 1)
        // ... and no faster than 3 dB/s once within 40 dB of it (the track is a steady tone, so its level is the control's).
        let back = AudioAnalysis.windowedRMSDB(Array(x[resumeFrame..<(resumeFrame + 15 * Self.rate)]), window: Self.rate / 10)
            .map { $0 - steady }
        let rise = LevelSpeedCheck.fastestRise(back)
        #expect(rise.riseDB <= 0.32, "the resume rose \(rise.riseDB) dB in 100 ms at \(Double(rise.window) / 10) s")
        #expect(back.count == 150 && back[40] < -6, "the resume was back within 4 s: \(back.prefix(45))")

        // Volume -6 dB: the level settles 6 dB lower after its 2 s ramp.
        let beforeVolume = AudioAnalysis.rmsDB(x, around: volumeFrame - Self.rate / 2)
        let afterVolume = AudioAnalysis.rmsDB(x, around: volumeFrame + 3 * Self.rate)
        #expect(abs((beforeVolume - afterVolume) - 6) < 0.5, "volume moved \(beforeVolume - afterVolume) dB")
        // The ramp is linear in dB (3 dB/s), so it shows at once: heard within a
        // device buffer (4096 frames) of the call, it is 0.3 dB down 0.1 s later.
        let early = AudioAnalysis.rmsDB(x, around: volumeFrame + 4096 + Self.rate / 10 + 600, window: 1200)
        #expect(early < beforeVolume - 0.15, "the volume ramp had not begun a device buffer after the call")

        // Skip: the 880 Hz track crossfades away within its 4 s crossfade.
        func energy880(_ at: Int) -> Double {
            AudioAnalysis.goertzel(Array(x[(at - 2400)..<(at + 2400)]), frequency: 880, sampleRate: Self.rate)
        }
        #expect(energy880(skipFrame + 5 * Self.rate) < energy880(skipFrame - Self.rate / 2) / 20)

        // Silence: silent within 3 s.
        #expect(AudioAnalysis.rmsDB(x, around: silenceFrame + 3 * Self.rate + 1200) < -60)

        // Stop: the capture ends within 3 s (plus a buffer) of the reply, faded.
        #expect(x.count <= stopFrame + 3 * Self.rate + 8192)
        #expect(AudioAnalysis.peak(x.suffix(Self.rate / 100)) < 0.01)
        let step = AudioAnalysis.largestStep(x)
        let audioEvents = monitor.events.withLock { $0 }.filter { $0["kind"]?.stringValue?.hasPrefix("audio.") == true }
        #expect(step.step < 0.05, "a step of \(step.step) in the daemon's output at \(Double(step.at) / Double(Self.rate)) s; audio events: \(audioEvents)")
    }

    @Test("SIGTERM during a session fades out, ends it and exits 0")
    func sigterm() throws {
        let daemon = try DaemonHarness(plans: ["system.toml": Self.plan], pace: 4) { dir in
            for name in ["a", "b", "c"] {
                try TonePlaylist.single(name, frequency: 440, seconds: 30, sampleRate: Self.rate).write(to: dir)
            }
        }
        let c = try daemon.client()
        #expect(try c.call(.start, ["plan": "system"]).error == nil)
        try c.waitForClock(4)
        let (code, log) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(log.suffix(2000))")
        // SIGTERM is the therapist's stop: recorded as control.stop when it is applied.
        let sessions = daemon.state.appendingPathComponent("sessions")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first { $0.hasSuffix(".jsonl") })
        let stop = try String(contentsOf: sessions.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue }
            .first { $0["kind"]?.stringValue == "control.stop" }
        let stopped = Int(try #require(stop?["session_seconds"]?.doubleValue, "no control.stop in the log") * Double(Self.rate))
        #expect(stopped >= 4 * Self.rate)
        let x = try WavReader.read(daemon.capture).channels[0]
        // Faded out within 3 s of the stop (and a device buffer), not cut.
        #expect(x.count <= stopped + 3 * Self.rate + 8192, "sound went on \(x.count - stopped) frames after the stop")
        #expect(x.count > stopped + Self.rate, "the capture ends right at the stop: cut, not faded")
        #expect(AudioAnalysis.peak(x.suffix(Self.rate / 100)) < 0.01)
        #expect(AudioAnalysis.maxStep(x) < 0.05)
    }
}
