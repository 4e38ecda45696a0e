import Foundation
import InwardPOSIX
import Testing

/// The daemon-facing commands against a fake Varlink daemon on a temp socket.
@Suite("daemon commands over Varlink")
struct DaemonCommandTests {
    typealias Reply = FakeVarlinkDaemon.Reply
    let s = Canned.s

    /// Runs `inward` with --socket pointing at `daemon`.
    func run(_ daemon: FakeVarlinkDaemon, _ args: [String], globalFirst: Bool = false) throws -> CLI.Result {
        let tmp = try TempDir()
        let full = globalFirst ? ["--socket", daemon.path] + args : args + ["--socket", daemon.path]
        return try CLI.run(full, home: tmp.url)
    }

    @Test("hold 5m sends Hold {seconds: 300, by: therapist} and prints the held total and the max")
    func hold() throws {
        let d = try FakeVarlinkDaemon([s + "Hold": [.ok(["held_seconds": 600.0, "max_seconds": 900.0])]])
        let r = try run(d, ["hold", "5m"])
        #expect(r.status == 0, "\(r)")
        let calls = d.calls("Hold")
        try #require(calls.count == 1, "calls: \(d.calls.map(\.method))")
        #expect((calls[0].parameters["seconds"] as? NSNumber)?.doubleValue == 300, "\(calls[0].raw)")
        #expect(calls[0].parameters["by"] as? String == "therapist", "\(calls[0].raw)")
        #expect(r.stdoutHas("10:00"), "held total: \(r)")
        #expect(r.stdoutHas("15:00"), "max: \(r)")
    }

    @Test("hold with a bad duration: exit 2, nothing sent")
    func holdUsage() throws {
        let d = try FakeVarlinkDaemon([s + "Hold": [.ok(["held_seconds": 1.0, "max_seconds": 2.0])]])
        let r = try run(d, ["hold", "five"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderrHas("'five'"), "\(r)")
        #expect(d.calls.isEmpty)
    }

    @Test("HoldLimit names the maximum; exit 1")
    func holdLimit() throws {
        let d = try FakeVarlinkDaemon([s + "Hold": [.error(s + "HoldLimit", ["held_seconds": 600.0, "max_seconds": 900.0])]])
        let r = try run(d, ["hold", "10m"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas("at most 15:00"), "\(r)")
        #expect(r.stdoutIsEmpty, "\(r)")
    }

    @Test("volume accepts -6, -6dB and +3; sends SetVolume {db, by}", arguments: [("-6dB", -6.0), ("-6", -6.0), ("+3", 3.0), ("-1.5 dB", -1.5)])
    func volume(text: String, db: Double) throws {
        let d = try FakeVarlinkDaemon([s + "SetVolume": [.ok(["volume_db": db, "clamped": false])]])
        let r = try run(d, ["volume", text])
        #expect(r.status == 0, "\(r)")
        let calls = d.calls("SetVolume")
        try #require(calls.count == 1, "\(r)")
        #expect((calls[0].parameters["db"] as? NSNumber)?.doubleValue == db, "\(calls[0].raw)")
        #expect(calls[0].parameters["by"] as? String == "therapist")
        #expect(!r.stdoutHas("clamped"), "\(r)")
    }

    @Test("output NAME sends SetOutput {output, db | on, by}", arguments: [
        ("-6", "db", -6.0), ("+2dB", "db", 2.0), ("off", "on", 0), ("on", "on", 1),
    ] as [(String, String, Double)])
    func output(text: String, key: String, value: Double) throws {
        let d = try FakeVarlinkDaemon([s + "SetOutput": [.ok(["output": "speakers", "level_db": -6.0, "on": key == "db" || value == 1,
                                                                 "clamped": false])]])
        let r = try run(d, ["output", "speakers", text])
        #expect(r.status == 0, "\(r)")
        let calls = d.calls("SetOutput")
        try #require(calls.count == 1, "\(r)")
        #expect(calls[0].parameters["output"] as? String == "speakers")
        if key == "db" {
            #expect((calls[0].parameters["db"] as? NSNumber)?.doubleValue == value, "\(calls[0].raw)")
            #expect(calls[0].parameters["on"] == nil)
        } else {
            #expect((calls[0].parameters["on"] as? NSNumber)?.boolValue == (value == 1), "\(calls[0].raw)")
            #expect(calls[0].parameters["db"] == nil)
        }
        #expect(calls[0].parameters["by"] as? String == "therapist")
    }

    @Test("output refuses a level it cannot read, before calling the daemon")
    func outputUsage() throws {
        let d = try FakeVarlinkDaemon([:])
        let r = try run(d, ["output", "speakers", "loud"])
        #expect(r.status != 0)
        #expect(d.calls("SetOutput").isEmpty)
    }

    @Test("volume says when it was clamped")
    func volumeClamped() throws {
        let d = try FakeVarlinkDaemon([s + "SetVolume": [.ok(["volume_db": 0.0, "clamped": true])]])
        let r = try run(d, ["volume", "+10dB"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas("clamped"), "\(r)")
        #expect(r.stdoutHas("+10.0"), "\(r)")
    }

    @Test("mark vitals: numeric fields are sent as numbers, others as strings")
    func markVitals() throws {
        let d = try FakeVarlinkDaemon([s + "Mark": [.ok(["seq": 42])]])
        let r = try run(d, ["mark", "vitals", "--field", "systolic=150", "--field", "spo2=97", "--field", "bp=150/90",
                            "--field", "temp=36.8"])
        #expect(r.status == 0, "\(r)")
        let call = try #require(d.calls("Mark").first, "\(r)")
        #expect(call.parameters["kind"] as? String == "vitals")
        let fields = try #require(call.parameters["fields"] as? [String: Any], "\(call.raw)")
        #expect(call.raw.contains("\"systolic\":150"), "\(call.raw)")
        #expect(call.raw.contains("\"spo2\":97"), "\(call.raw)")
        #expect(call.raw.contains("\"temp\":36.8"), "\(call.raw)")
        #expect(fields["bp"] as? String == "150/90", "\(call.raw)")
        #expect(r.stdoutHas("42"), "\(r)")
    }

    @Test("mark kinds map to the protocol's names; text is sent", arguments: [
        ("adverse", "adverse_event"), ("eyeshades-off", "eyeshades_off"), ("ready-to-leave", "ready_to_leave"),
        ("statement", "statement"),
    ])
    func markKinds(kind: String, wire: String) throws {
        let d = try FakeVarlinkDaemon([s + "Mark": [.ok(["seq": 7])]])
        let r = try run(d, ["mark", kind, "I can see the ocean"])
        #expect(r.status == 0, "\(r)")
        let call = try #require(d.calls("Mark").first, "\(r)")
        #expect(call.parameters["kind"] as? String == wire, "\(call.raw)")
        #expect(call.parameters["text"] as? String == "I can see the ocean", "\(call.raw)")
        #expect(call.parameters["fields"] == nil)
    }

    @Test("status shows session, plan, phase n/N, times, T+ clock, track, volume, device")
    func status() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.ok(["status": Canned.playing()])]])
        let r = try run(d, ["status"])
        #expect(r.status == 0, "\(r)")
        for text in ["20261126-1530-C0042", "im-standard", "peak (3/5)", "7:30 in", "12:30 left", "T+00:12:30",
                     "Weightless — Marconi Union", "-6.0 dB", "hw:1,0"] {
            #expect(r.stdoutHas(text), "missing '\(text)': \(r)")
        }
        #expect(d.calls.map(\.method) == [s + "Status"])
    }

    @Test("status before the dose: waiting for the dose, soundscape")
    func statusWaiting() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.ok(["status": Canned.waiting()])]])
        let r = try run(d, ["status"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas("waiting for the dose"), "\(r)")
        #expect(r.stdoutHas("soundscape"), "\(r)")
        #expect(r.stdoutHas("arrival (1/5)"), "\(r)")
        #expect(!r.stdoutHas("T+"), "\(r)")
    }

    @Test("status when idle says so and exits 0")
    func statusIdle() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.ok(["status": Canned.idle()])]])
        let r = try run(d, ["status"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas("no session is running"), "\(r)")
    }

    @Test("--json (before or after the command, with --socket first) prints the reply object")
    func json() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.ok(["status": Canned.playing()])],
                                       s + "ListPlans": [.ok(["plans": [[
                                           "name": "im-standard", "file": "/etc/inward/plans/im-standard.toml",
                                           "description": "IM, 0.5 mg/kg", "route": "im",
                                           "phases": ["arrival", "onset", "peak", "return", "integration"],
                                           "planned_seconds": 4800.0, "valid": true, "problem": NSNull(),
                                       ] as [String: Any]]])]])
        let tmp = try TempDir()
        let a = try CLI.run(["--socket", d.path, "--json", "status"], home: tmp.url)
        #expect(a.status == 0, "\(a)")
        let object = try #require(a.json as? [String: Any], "\(a)")
        let status = try #require(object["status"] as? [String: Any], "\(a)")
        #expect(status["state"] as? String == "playing")
        #expect((status["t0_seconds"] as? NSNumber)?.doubleValue == 750)

        let b = try CLI.run(["plans", "--json", "--socket=\(d.path)"], home: tmp.url)
        #expect(b.status == 0, "\(b)")
        let plans = try #require((b.json as? [String: Any])?["plans"] as? [[String: Any]], "\(b)")
        #expect(plans.first?["name"] as? String == "im-standard")
    }

    @Test("plans lists name, route, length and file")
    func plans() throws {
        let d = try FakeVarlinkDaemon([s + "ListPlans": [.ok(["plans": [
            ["name": "im-standard", "file": "/p/im-standard.toml", "description": "", "route": "im",
             "phases": ["a"], "planned_seconds": 4800.0, "valid": true, "problem": NSNull()] as [String: Any],
            ["name": "broken", "file": "/p/broken.toml", "description": "", "route": "other",
             "phases": [], "planned_seconds": NSNull(), "valid": false, "problem": "/p/broken.toml:3: bad level"],
        ]])]])
        let r = try run(d, ["plans"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas("im-standard"), "\(r)")
        #expect(r.stdoutHas("1:20:00"), "\(r)")
        #expect(r.stdoutHas("/p/im-standard.toml"), "\(r)")
        #expect(r.stdoutHas("/p/broken.toml:3: bad level"), "\(r)")
    }

    @Test("start sends the plan (a file as an absolute path) and the client code; says it waits for the dose")
    func start() throws {
        let d = try FakeVarlinkDaemon([s + "Start": [.ok(["session_id": "20261126-1530-C0042", "status": Canned.waiting()])]])
        let tmp = try TempDir()
        try tmp.write("plans/mine.toml", "# a plan\n")
        let r = try CLI.run(["start", "plans/mine.toml", "--client", "C-0042", "--socket", d.path], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        let call = try #require(d.calls("Start").first, "\(r)")
        let sent = try #require(call.parameters["plan"] as? String, "\(call.raw)")
        #expect(sent.hasPrefix("/") && sent.hasSuffix("plans/mine.toml"), "\(call.raw)")
        #expect(call.parameters["client"] as? String == "C-0042")
        #expect(r.stdoutHas("20261126-1530-C0042"), "\(r)")
        #expect(r.stdoutHas("waiting for the dose"), "\(r)")

        let byName = try run(d, ["start", "im-standard"])
        #expect(byName.status == 0, "\(byName)")
        #expect(d.calls("Start").last?.parameters["plan"] as? String == "im-standard")
        #expect(d.calls("Start").last?.parameters["client"] == nil)
    }

    @Test("dose sends route, amount and lot; first says T0, then booster at T+")
    func dose() throws {
        let first = try FakeVarlinkDaemon([s + "Dose": [.ok(["t0": true, "booster": false, "status": Canned.playing()])]])
        let r = try run(first, ["dose", "--route", "im", "--amount", "0.5 mg/kg", "--lot", "L123"])
        #expect(r.status == 0, "\(r)")
        let call = try #require(first.calls("Dose").first, "\(r)")
        #expect(call.parameters["route"] as? String == "im")
        #expect(call.parameters["amount"] as? String == "0.5 mg/kg")
        #expect(call.parameters["lot"] as? String == "L123")
        #expect(r.stdoutHas("T0 marked at "), "\(r)")

        var later = Canned.playing()
        later["boosters"] = 1
        let booster = try FakeVarlinkDaemon([s + "Dose": [.ok(["t0": false, "booster": true, "status": later])]])
        let b = try run(booster, ["dose"])
        #expect(b.status == 0, "\(b)")
        #expect(b.stdoutHas("booster logged at T+00:12:30"), "\(b)")
        #expect(booster.calls("Dose").first?.parameters.isEmpty == true, "\(booster.calls.map(\.raw))")
    }

    @Test("every control sends by: therapist", arguments: [
        ("pause", "Pause"), ("resume", "Resume"), ("next", "Next"), ("skip", "Skip"), ("silence", "Silence"), ("stop", "Stop"),
    ])
    func controls(command: String, method: String) throws {
        let d = try FakeVarlinkDaemon([s + method: [.ok(["status": Canned.playing()])]])
        let r = try run(d, [command])
        #expect(r.status == 0, "\(r)")
        #expect(!r.stdoutIsEmpty, "\(r)")
        let calls = d.calls(method)
        try #require(calls.count == 1, "\(d.calls.map(\.method))")
        #expect(calls[0].parameters["by"] as? String == "therapist", "\(calls[0].raw)")
        #expect(calls[0].parameters.count == 1, "\(calls[0].raw)")
    }

    @Test("next names the phase left and the one that comes from the reply, whatever its status shows by then")
    func nextNamesBothPhases() throws {
        // The status already shows the phase that came (a slow machine; the change is heard within the output latency).
        var moved = Canned.playing()
        moved["phase"] = Canned.phase(3, "re-entry", planned: 900)
        let d = try FakeVarlinkDaemon([s + "Next": [.ok(["from": "peak", "to": "re-entry", "to_index": 3, "status": moved])]])
        let r = try run(d, ["next"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas("leaving peak for re-entry (phase 4/5)"), "\(r)")
    }

    @Test("errors map to short actionable messages, exit 1", arguments: [
        ("pause", "Pause", "NoSession", [:], "inward start PLAN"),
        ("start", "Start", "SessionActive", ["session_id": "S-1"], "inward stop"),
        ("start", "Start", "PlanInvalid", ["file": "/p/x.toml", "line": 12, "key": NSNull(), "message": "level_db above the cap"], "/p/x.toml:12: level_db above the cap"),
        ("start", "Start", "DeviceUnavailable", ["device": "hw:1,0", "reason": "Device or resource busy"], "inward devices"),
        ("next", "Next", "WaitingForDose", [:], "inward dose"),
        ("next", "Next", "NoNextPhase", [:], "inward stop"),
        ("skip", "Skip", "NothingToSkip", [:], "soundscape"),
        ("pause", "Pause", "LogWriteFailed", ["path": "/var/lib/inward/sessions/x.jsonl", "reason": "No space left on device"], "No space left"),
    ] as [(String, String, String, [String: any Sendable], String)])
    func errors(command: String, method: String, error: String, parameters: [String: any Sendable], expected: String) throws {
        let d = try FakeVarlinkDaemon([s + method: [.error(s + error, parameters)]])
        var args = [command]
        if command == "start" { args.append("im-standard") }
        let r = try run(d, args)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas(expected), "\(r)")
        #expect(r.stdoutIsEmpty, "\(r)")
        if error == "SessionActive" { #expect(r.stderrHas("S-1"), "\(r)") }
        if error == "DeviceUnavailable" { #expect(r.stderrHas("hw:1,0") && r.stderrHas("busy"), "\(r)") }
    }

    @Test("InvalidParameter says which and why; --json prints the error object")
    func invalidParameter() throws {
        let d = try FakeVarlinkDaemon([s + "Mark": [.error(s + "InvalidParameter", ["parameter": "text", "reason": "longer than 4096 bytes"])]])
        let r = try run(d, ["--json", "mark", "note", "x"], globalFirst: true)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas("text") && r.stderrHas("longer than 4096 bytes"), "\(r)")
        let o = try #require(r.json as? [String: Any], "\(r)")
        #expect(o["error"] as? String == s + "InvalidParameter")
    }

    @Test("no daemon: exit 3 naming the socket and systemctl status inwardd")
    func noDaemon() throws {
        let tmp = try TempDir()
        let path = tmp.file("control")
        let r = try CLI.run(["status", "--socket", path], home: tmp.url)
        #expect(r.status == 3, "\(r)")
        #expect(r.stderrHas(path), "\(r)")
        #expect(r.stderrHas("systemctl status inwardd"), "\(r)")
        // A socket file nobody listens on (refused) is the same.
        let d = try FakeVarlinkDaemon([:])
        let stale = d.path
        d.stop()
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd); unlink(stale) }
        try UnixSocketAddress(path: stale).bind(fd)
        let refused = try CLI.run(["pause"], home: tmp.url, environment: ["INWARD_SOCKET": stale])
        #expect(refused.status == 3, "\(refused)")
        #expect(refused.stderrHas(stale), "\(refused)")
    }

    @Test("INWARD_SOCKET points the CLI at the daemon")
    func environmentSocket() throws {
        let d = try FakeVarlinkDaemon([s + "Status": [.ok(["status": Canned.idle()])]])
        let tmp = try TempDir()
        let r = try CLI.run(["status"], home: tmp.url, environment: ["INWARD_SOCKET": d.path])
        #expect(r.status == 0, "\(r)")
        #expect(d.calls.count == 1)
    }

    @Test("status --follow piped: one line per streamed reply, exits 0 when the stream ends")
    func follow() throws {
        var paused = Canned.playing(state: "paused")
        paused["volume_db"] = -6.0
        let d = try FakeVarlinkDaemon([s + "Monitor": [
            .ok(["status": Canned.playing(), "event": NSNull()]),
            .ok(["status": paused, "event": Canned.event(18, "pause", fields: ["by": "therapist"])]),
            .ok(["status": Canned.playing(), "event": Canned.event(19, "resume", fields: ["by": "therapist"])]),
            .ok(["status": Canned.idle(), "event": Canned.event(20, "session_end")]),
        ]])
        let r = try run(d, ["status", "--follow"])
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 4, "\(r)")
        #expect(!r.stdout.contains("\u{1B}"), "no escape sequences when piped: \(r)")
        if lines.count == 4 {
            #expect(lines[0].contains("peak") && lines[0].contains("T+00:12:30"), "\(lines[0])")
            #expect(lines[1].contains("pause") && lines[1].contains("paused"), "\(lines[1])")
            #expect(lines[2].contains("resume"), "\(lines[2])")
            #expect(lines[3].contains("session_end") && lines[3].contains("idle"), "\(lines[3])")
        }
        let call = try #require(d.calls("Monitor").first)
        #expect(call.more, "\(call.raw)")

        let j = try run(d, ["status", "--follow", "--json"])
        #expect(j.status == 0, "\(j)")
        let jl = j.stdout.split(separator: "\n")
        #expect(jl.count == 4, "\(j)")
        #expect(jl.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] }, "\(j)")
    }

    @Test("a Varlink error reply to Monitor is reported like any other")
    func followError() throws {
        let d = try FakeVarlinkDaemon([s + "Monitor": [.error("org.varlink.service.PermissionDenied", [:])]])
        let r = try run(d, ["status", "--follow"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas("`inward`"), "\(r)")
    }

    @Test("the completion script knows the daemon commands")
    func completion() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["--generate-completion-script", "bash"], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        for word in ["status", "hold", "volume", "mark", "eyeshades-off", "--follow"] {
            #expect(r.stdoutHas(word), "completion lacks \(word)")
        }
    }
}
