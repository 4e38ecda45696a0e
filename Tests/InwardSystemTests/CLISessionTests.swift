@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A whole session driven the way a therapist drives it: the real `inward`
/// binary against the real `inwardd` (paced, into ALSA's file PCM). Each
/// command's exit code and words are checked, `status --follow` is watched
/// while it runs, and the capture shows what pause and stop did to the sound.
@Suite("inward CLI against inwardd", .serialized)
struct CLISessionTests {
    static let rate = 48000

    /// Every phase plays a sine playlist, so levels can be measured; closing
    /// has music too, so the stop's fade is heard rather than silence. Onset
    /// and peak are far longer than the controls sent in them need (`next`
    /// ends peak), so a loaded machine's slow process starts cannot carry a
    /// control into the following phase.
    static let plan = PlanFixture.music(
        name: "cli", closing: .init("closing", "60s", level: -6, fadeIn: "1s", source: .playlist("d.m3u8"))).toml

    typealias Run = ProcessRun

    /// Runs `inward ARGS` to the end.
    static func inward(_ arguments: [String]) throws -> Run { try ProcessRun.product("inward", arguments) }

    /// `inward --socket S ARGS`.
    func cli(_ daemon: DaemonHarness, _ arguments: String...) throws -> Run {
        try Self.inward(["--socket", daemon.socket] + arguments)
    }

    /// `inward status --follow` running in the background, its stdout a pipe.
    final class Follow: @unchecked Sendable {
        let process = Process()
        private let text = Mutex("")

        init(socket: String) throws {
            process.executableURL = URL(fileURLWithPath: try Products.executable("inward"))
            process.arguments = ["--socket", socket, "status", "--follow"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let handle = out.fileHandleForReading
            Thread { [self] in
                while true {
                    let d = handle.availableData
                    if d.isEmpty { return }
                    text.withLock { $0 += String(decoding: d, as: UTF8.self) }
                }
            }.start()
        }

        var output: String { text.withLock { $0 } }
        var lines: [String] { output.split(separator: "\n").map(String.init) }

        /// Waits (at most 20 s) until a printed line contains `needle`; the line or nil.
        func waitForLine(containing needle: String) -> String? {
            let deadline = Date().addingTimeInterval(TestTime.scaled(20))
            while Date() < deadline {
                if let l = lines.first(where: { $0.contains(needle) }) { return l }
                usleep(10_000)
            }
            return nil
        }

        func stop() -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// The T+ clock now, seconds.
    func tPlus(_ c: VarlinkTestClient) throws -> Double {
        try c.sessionStatus()["t0_seconds"]?.doubleValue ?? 0
    }

    @Test("start, dose, status, hold, pause, resume, volume, skip, mark, silence, next and stop from the CLI")
    func fullSessionThroughTheCLI() throws {
        let daemon = try DaemonHarness(plans: ["cli.toml": Self.plan], pace: 6) { dir in
            for (name, hz) in [("a", 330.0), ("b", 440.0), ("c", 880.0), ("d", 660.0)] {
                try TonePlaylist.single(name, frequency: hz, seconds: 90, sampleRate: Self.rate).write(to: dir)
            }
        }
        let c = try daemon.client()

        // Watching from before the start: the first line is the idle state.
        let follow = try Follow(socket: daemon.socket)
        #expect(follow.waitForLine(containing: "idle") != nil, "status --follow printed nothing: \(follow.output)")

        let start = try cli(daemon, "start", "cli", "--client", "C-0042")
        #expect(start.status == 0, "\(start)")
        #expect(start.stdout.contains("started: plan cli, phase arrival (1/4)"), "\(start)")
        #expect(start.stdout.contains("waiting for the dose"), "\(start)")
        let again = try cli(daemon, "start", "cli")
        #expect(again.status == 1, "a second start must be refused: \(again)")
        #expect(follow.waitForLine(containing: "session.start") != nil, "no session.start line: \(follow.output)")

        try c.waitForClock(3)
        let dose = try cli(daemon, "dose", "--amount", "60 mg")
        #expect(dose.status == 0, "\(dose)")
        #expect(dose.stdout.contains("T0 marked at"), "\(dose)")
        #expect(dose.stdout.range(of: #"\(#[0-9]+ in the log\)"#, options: .regularExpression) != nil, "the dose names its seq for corrections: \(dose)")
        #expect(dose.stdout.contains("now in phase onset (2/4)"), "\(dose)")
        // Printed while it happens, by the still-running follower.
        let doseLine = follow.waitForLine(containing: " dose [")
        #expect(doseLine?.contains("amount=60 mg") == true, "follow: \(follow.output)")
        #expect(follow.process.isRunning)

        let text = try cli(daemon, "status")
        #expect(text.status == 0, "\(text)")
        for needle in ["client C-0042", "plan cli", "state   playing", "phase   onset (2/4)", "left",
                       "clock   T+00:", "device  room", "volume 0.0 dB"] {
            #expect(text.stdout.contains(needle), "status lacks '\(needle)': \(text)")
        }
        let json = try cli(daemon, "--json", "status")
        #expect(json.status == 0, "\(json)")
        let parsed = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any]
        let s = parsed?["status"] as? [String: Any]
        #expect((s?["phase"] as? [String: Any])?["name"] as? String == "onset", "\(json)")
        #expect(s?["state"] as? String == "playing", "\(json)")
        #expect(s?["client"] as? String == "C-0042", "\(json)")
        #expect(((s?["t0_seconds"] as? Double) ?? -1) >= 0, "\(json)")

        try c.waitForClock(5, sinceDose: true)
        let hold = try cli(daemon, "hold", "10s")
        #expect(hold.status == 0, "\(hold)")
        #expect(hold.stdout.contains("held +0:10"), "\(hold)")
        #expect(hold.stdout.contains("extended by 0:10 of at most 0:30"), "\(hold)")
        #expect(follow.waitForLine(containing: "control.hold") != nil, "follow: \(follow.output)")
        let heldStatus = try cli(daemon, "status")
        #expect(heldStatus.stdout.contains("(held +0:10)"), "\(heldStatus)")

        try c.waitForClock(8, sinceDose: true)
        let pause = try cli(daemon, "pause")
        #expect(pause.status == 0, "\(pause)")
        #expect(pause.stdout.contains("paused"), "\(pause)")
        let pausedStatus = try cli(daemon, "status")
        #expect(pausedStatus.stdout.contains("state   paused"), "\(pausedStatus)")
        #expect(follow.waitForLine(containing: "control.pause") != nil, "follow: \(follow.output)")

        // The pause fade (4 s) is over before the resume, however late the pause came.
        try c.waitForClock(max(14, try tPlus(c) + 6), sinceDose: true)
        let resume = try cli(daemon, "resume")
        #expect(resume.status == 0, "\(resume)")
        #expect(resume.stdout.contains("resuming: fading back up in phase onset"), "\(resume)")

        // The resume is back (under the level speed limit: over 13 s for its last 40 dB) before the volume changes.
        try c.waitForClock(max(30, try tPlus(c) + 16), sinceDose: true)
        let volume = try cli(daemon, "volume", "-6dB")
        #expect(volume.status == 0, "\(volume)")
        #expect(volume.stdout.contains("volume -6.0 dB (ramping)"), "\(volume)")

        try c.waitForClock(53, sinceDose: true)   // peak from T+50 (40 s + the 10 s hold)
        let skip = try cli(daemon, "skip")
        #expect(skip.status == 0, "\(skip)")
        #expect(skip.stdout.contains("skipping"), "\(skip)")

        let mark = try cli(daemon, "mark", "statement", "I can see the ocean")
        #expect(mark.status == 0, "\(mark)")
        #expect(mark.stdout.contains("statement marked (#"), "\(mark)")
        #expect(follow.waitForLine(containing: "text=I can see the ocean") != nil, "follow: \(follow.output)")

        try c.waitForClock(max(60, try tPlus(c) + 3), sinceDose: true)
        let silence = try cli(daemon, "silence")
        #expect(silence.status == 0, "\(silence)")
        #expect(silence.stdout.contains("silencing"), "\(silence)")
        try c.waitForClock(max(64, try tPlus(c) + 3), sinceDose: true)
        #expect(try cli(daemon, "resume").status == 0)
        let resumedAgain = try tPlus(c)

        try c.waitForClock(max(67, try tPlus(c) + 2), sinceDose: true)
        let next = try cli(daemon, "next")
        #expect(next.status == 0, "\(next)")
        // The reply comes before the change is heard: the CLI names the phase it leaves and the one that comes.
        #expect(next.stdout.contains("leaving peak for closing (phase 4/4)"), "\(next)")

        // Closing's music at its steady level before the stop, however late the next came.
        // (and back from the silence, under the level speed limit)
        try c.waitForClock(max(82, try tPlus(c) + 5, resumedAgain + 15), sinceDose: true)
        let closing = try cli(daemon, "status")
        #expect(closing.stdout.contains("phase   closing (4/4)"), "\(closing)")
        let stop = try cli(daemon, "stop")
        #expect(stop.status == 0, "\(stop)")
        #expect(stop.stdout.contains("stopping the music of session"), "\(stop)")
        #expect(stop.stdout.contains("the record stays open in aftercare until `inward discharge`"), "\(stop)")

        // Dosed: the music ends into aftercare, which status shows; discharge closes the record.
        let deadline = Date().addingTimeInterval(TestTime.scaled(30))
        while Date() < deadline, (try c.sessionStatus())["state"]?.stringValue != "aftercare" { usleep(10_000) }
        let after = try cli(daemon, "status")
        #expect(after.stdout.contains("state   aftercare"), "\(after)")
        #expect(after.stdout.contains("after   music ended at") && after.stdout.contains("discharge allowed"), "\(after)")
        let notes = try cli(daemon, "mark", "note", "resting, talking")
        #expect(notes.status == 0, "\(notes)")
        let restart = try cli(daemon, "start", "cli")
        #expect(restart.status == 1 && restart.stderr.contains("is in aftercare") && restart.stderr.contains("inward discharge"),
                "\(restart)")
        let discharged = try cli(daemon, "discharge", "--note", "home with her partner")
        #expect(discharged.status == 0 && discharged.stdout.contains("discharged at T+"), "\(discharged)")
        let idle = try cli(daemon, "status")
        #expect(idle.status == 0, "\(idle)")
        #expect(idle.stdout.contains("no session is running"), "\(idle)")
        // The daemon says no: exit 1, with words.
        let stopAgain = try cli(daemon, "stop")
        #expect(stopAgain.status == 1, "\(stopAgain)")
        #expect(!stopAgain.stderr.isEmpty, "\(stopAgain)")
        // Usage: exit 2.
        #expect(try cli(daemon, "volume", "loud").status == 2)

        #expect(follow.waitForLine(containing: "session.end") != nil, "follow: \(follow.output)")
        #expect(follow.stop() == 0, "status --follow must end quietly on SIGTERM")
        for kind in ["control.resume", "control.volume", "control.skip", "control.silence", "control.next", "control.stop"] {
            #expect(follow.output.contains(kind), "status --follow printed no \(kind) line")
        }
        // Piped: plain lines, no terminal escapes.
        #expect(!follow.output.contains("\u{1B}["), "status --follow wrote escapes into a pipe")

        let (code, log) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(log.suffix(2000))")

        // Where each control landed, from the session log.
        let sessions = daemon.state.appendingPathComponent("sessions")
        let logs = try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { $0.hasSuffix(".jsonl") }
        try #require(logs.count == 1, "session logs: \(logs)")
        let events = try String(contentsOf: sessions.appendingPathComponent(logs[0]), encoding: .utf8)
            .split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        func frame(_ kind: String) -> Int? {
            guard let e = events.first(where: { $0["kind"] as? String == kind }),
                  let s = e["session_seconds"] as? Double else { return nil }
            return Int(s * Double(Self.rate))
        }
        let statement = events.first { $0["kind"] as? String == "mark.statement" }
        #expect((statement?["fields"] as? [String: Any])?["text"] as? String == "I can see the ocean")
        #expect((events.first { $0["kind"] as? String == "session.start" }?["fields"] as? [String: Any])?["client"] as? String
                == "C-0042")
        let pauseFrame = try #require(frame("control.pause"))
        let resumeFrame = try #require(frame("control.resume"))
        let stopFrame = try #require(frame("control.stop"))

        let audio = try WavReader.read(daemon.capture)
        let x = audio.channels[0]
        #expect(audio.sampleRate == Self.rate)

        // Pause: down over its 4 s fade (equal-power: -3 dB half way), silent after, back after resume.
        let steady = AudioAnalysis.rmsDB(x, around: pauseFrame - Self.rate)
        #expect(steady > -20, "not playing before the pause: \(steady) dB")
        let half = AudioAnalysis.rmsDB(x, around: pauseFrame + 2 * Self.rate)
        #expect(abs(half - (steady - 3)) < 1.5, "half-way through the pause fade: \(half) dB, steady \(steady) dB")
        #expect(AudioAnalysis.rmsDB(x, around: pauseFrame + Int(4.5 * Double(Self.rate))) < -60, "not silent after the pause fade")
        #expect(AudioAnalysis.rmsDB(x, around: resumeFrame + Int(14.5 * Double(Self.rate))) > steady - 1, "resume did not bring it back")

        // Stop: music was playing (closing, at -6 dB volume), then fades out; the
        // capture ends within the 3 s fade (and a device buffer) of the stop, quiet.
        let beforeStop = AudioAnalysis.rmsDB(x, around: stopFrame - Self.rate / 2)
        #expect(beforeStop > -26, "not playing before the stop: \(beforeStop) dB")
        #expect(x.count > stopFrame + Self.rate, "the capture ends right at the stop: cut, not faded")
        #expect(AudioAnalysis.rmsDB(x, around: stopFrame + 5 * Self.rate / 2) < beforeStop - 6, "no fade 2.5 s into the stop")
        #expect(x.count <= stopFrame + 3 * Self.rate + 8192, "sound went on \(x.count - stopFrame) frames after the stop")
        #expect(AudioAnalysis.peak(x.suffix(Self.rate / 100)) < 0.01, "the capture does not end quiet")
        let step = AudioAnalysis.largestStep(x)
        let audioEvents = events.filter { ($0["kind"] as? String)?.hasPrefix("audio.") == true }
        #expect(step.step < 0.05, "a step of \(step.step) in the output at \(Double(step.at) / Double(Self.rate)) s; audio events: \(audioEvents)")
    }

    @Test("with no daemon, `inward status` exits 3 and names the socket")
    func noDaemon() throws {
        let dir = TestAudio.temporaryDirectory("inward-nodaemon")
        let socket = dir.appendingPathComponent("control").path
        let r = try Self.inward(["--socket", socket, "status"])
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr.contains(socket), "\(r)")
        #expect(r.stderr.contains("systemctl status inwardd"), "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
    }
}
