@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// inwardd@room1 under a real systemd 252 booted as PID 1 in a sandbox (one
/// boot for the suite, killed at its end), installed by `scripts/install`,
/// driven through the real interfaces: systemctl, the socket, the inward CLI
/// run inside the sandbox, /proc, the journal. Each test sets up the state it
/// needs, so they do not depend on their order.
@Suite("inwardd@.service under a real systemd", .serialized, .systemdSandbox)
struct SystemdServiceTests {
    typealias Sandbox = SystemdSandbox
    let s: SystemdSandbox

    init() throws { s = try SystemdSandbox.shared() }

    /// The socket listening and the daemon answering `status` (socket-activating it if need be).
    func ensureRunning() throws {
        let start = try s.systemctl("start", Sandbox.socketUnit)
        try #require(start.status == 0, "systemctl start \(Sandbox.socketUnit): \(start)\n\(s.journal(Sandbox.socketUnit))")
        let status = try s.inward(["status"])
        try #require(status.status == 0, "inward status: \(status)\n\(s.journal())")
        try #require(try s.show(Sandbox.service, ["ActiveState"])["ActiveState"] == "active", "\(s.journal())")
    }

    /// No session in the room (stops one if it runs, and waits for the daemon to be idle).
    func ensureIdle() throws {
        try ensureRunning()
        _ = try s.inward(["stop"])   // exit 1 when no session runs: fine
        try dischargeAftercare()
        let idle = try s.wait(15) { try s.inward(["status"]).stdout.contains("no session is running") }
        try #require(idle, "the room did not become idle: \(String(describing: try? s.inward(["status"])))\n\(s.journal())")
    }

    /// The `status` object of `inward --json status` (empty when it cannot be read).
    func sessionStatus() throws -> [String: Any] {
        let out = try s.inward(["--json", "status"]).stdout
        let reply = (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]) ?? [:]
        return reply["status"] as? [String: Any] ?? reply
    }

    /// Once the music has ended after a dose, closes the record (early: the
    /// shipped plans ask for hours of aftercare).
    func dischargeAftercare() throws {
        let settled = try s.wait(15) {
            let status = try s.inward(["status"]).stdout
            return status.contains("aftercare") || status.contains("no session is running")
        }
        #expect(settled, "the music did not end: \(s.journal())")
        if try s.inward(["status"]).stdout.contains("aftercare") {
            let discharge = try s.inward(["discharge", "--early", "--reason", "end of the test"])
            #expect(discharge.status == 0, "\(discharge)")
        }
    }

    func sessionID(fromStart output: String) -> String? {
        // "session 20261126-171427-f088 started: ..."
        output.split(separator: "\n").first { $0.hasPrefix("session ") }?.split(separator: " ").dropFirst().first.map(String.init)
    }

    @Test("the sandbox boots systemd and reaches its target")
    func boots() throws {
        print("systemd sandbox boot: \(String(format: "%.2f", s.bootSeconds)) s to `systemctl is-system-running` = running")
        let r = try s.exec(["systemctl", "is-system-running"])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "running", "\(r)")
        // PID 1 in there is systemd, not the script that started it.
        let comm = try s.exec(["cat", "/proc/1/comm"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(comm == "systemd")
        #expect(s.bootSeconds < 30)
    }

    @Test("a: the socket starts the service on the first connection; systemd shows its STATUS")
    func socketActivation() throws {
        _ = try s.systemctl("stop", Sandbox.service, Sandbox.socketUnit)
        let start = try s.systemctl("start", Sandbox.socketUnit)
        try #require(start.status == 0, "\(start)\n\(s.journal(Sandbox.socketUnit))")
        let before = try s.show(Sandbox.service, ["ActiveState", "MainPID"])
        #expect(before["ActiveState"] == "inactive", "the service ran before anyone connected: \(before)")
        #expect(before["MainPID"] == "0")
        #expect(try s.show(Sandbox.socketUnit, ["ActiveState"])["ActiveState"] == "active")

        let status = try s.inward(["status"])
        #expect(status.status == 0, "the first connection got no answer: \(status)\n\(s.journal())")
        #expect(status.stdout.contains("no session is running"), "\(status)")

        let after = try s.show(Sandbox.service, ["StatusText", "MainPID", "ActiveState", "SubState"])
        #expect(after["ActiveState"] == "active", "\(after)\n\(s.journal())")
        #expect(Int(after["MainPID"] ?? "") ?? 0 > 0, "\(after)")
        // The daemon's own STATUS= (READY=1 came with it: Type=notify made it active).
        #expect(after["StatusText"] == "idle, device room", "\(after)")
        let comm = try s.exec(["cat", "/proc/\(after["MainPID"] ?? "0")/comm"]).stdout
        #expect(comm.hasPrefix("inwardd"), "MainPID is not inwardd: \(comm)")
    }

    @Test("b: socket root:inward 0660, daemon runs as inwardd, session logs inwardd:inward 0640 in 0750 folders")
    func ownershipAndModes() throws {
        try ensureIdle()
        #expect(try s.stat(Sandbox.socket) == "660 root:inward")
        #expect(try s.exec(["stat", "-c", "%F", Sandbox.socket]).stdout.hasPrefix("socket"))

        let uid = try s.exec(["id", "-u", "inwardd"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let gid = try s.exec(["getent", "group", "inward"]).stdout.split(separator: ":")[2]
        let audio = try s.exec(["getent", "group", "audio"]).stdout.split(separator: ":")[2]
        let pid = try s.mainPID()
        let status = try s.exec(["cat", "/proc/\(pid)/status"]).stdout
        func field(_ name: String) -> [Substring] {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }?.dropFirst(name.count + 1)
                .split(whereSeparator: { $0 == "\t" || $0 == " " }) ?? []
        }
        #expect(!uid.isEmpty && uid != "0")
        #expect(field("Uid") == Array(repeating: Substring(uid), count: 4), "Uid of the daemon: \(field("Uid"))")
        #expect(field("Gid") == Array(repeating: gid, count: 4), "Gid of the daemon: \(field("Gid"))")
        #expect(Set(field("Groups")) == [gid, audio], "supplementary groups: \(field("Groups"))")
        #expect(field("CapEff").first == "0000000000000000", "capabilities: \(field("CapEff"))")
        #expect(field("NoNewPrivs").first == "1")

        let start = try s.inward(["start", "im", "--client", "C-SYSD-B"])
        try #require(start.status == 0, "inward start im: \(start)\n\(s.journal())")
        let id = try #require(sessionID(fromStart: start.stdout), "no session id in: \(start.stdout)")
        let log = "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"
        #expect(try s.stat(log) == "640 inwardd:inward", "\(String(describing: try? s.exec(["ls", "-la", "/var/lib/inward"])))")
        #expect(try s.stat("/var/lib/inward/\(Sandbox.room)/sessions") == "750 inwardd:inward")
        #expect(try s.stat("/var/lib/inward/\(Sandbox.room)") == "750 inwardd:inward")
        let text = try s.exec(["cat", log]).stdout
        #expect(text.contains("\"session.start\""), "the log: \(text)")
        #expect(try s.show(Sandbox.service, ["StatusText"])["StatusText"]?.hasPrefix("session \(id)") == true)

        // Sound reaches the device under the hardening: the file PCM writes into the daemon's private /tmp.
        let captured = try s.wait(10) {
            let size = try s.exec(["stat", "-c", "%s", "/proc/\(pid)/root/tmp/room.wav"]).stdout
            return (Int(size.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 48_000 * 4
        }
        #expect(captured, "no audio reached the ALSA file PCM\n\(s.journal())")
        #expect(try s.exec(["test", "-e", "/tmp/room.wav"]).status != 0, "PrivateTmp: the capture is visible in the host's /tmp")
        _ = try s.inward(["stop"])
    }

    @Test("b2: LimitRTPRIO lets the audio thread ask for SCHED_FIFO (or the daemon says why not)")
    func realtime() throws {
        try ensureIdle()
        let start = try s.inward(["start", "im", "--client", "C-SYSD-RT"])
        try #require(start.status == 0, "\(start)\n\(s.journal())")
        let id = try #require(sessionID(fromStart: start.stdout), "no session id in: \(start.stdout)")
        defer { _ = try? s.inward(["stop"]) }
        let pid = try s.mainPID()
        let limits = try s.exec(["cat", "/proc/\(pid)/limits"]).stdout
        let rtprio = limits.split(separator: "\n").first { $0.hasPrefix("Max realtime priority") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.map(String.init)
        // systemd can raise RLIMIT_RTPRIO only with CAP_SYS_RESOURCE; some containers withhold it from
        // everything in them, sandbox included.
        let caps = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("CapBnd:") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) } ?? 0
        let canRaise = caps & (1 << 24) != 0
        let journal = s.journal(lines: 200)
        if canRaise {
            #expect(rtprio == "20", "RLIMIT_RTPRIO of the daemon: \(limits)")
            let policies = try s.exec(["sh", "-c", "for t in /proc/\(pid)/task/*; do chrt -p ${t##*/}; done"]).stdout
            #expect(policies.contains("SCHED_FIFO"), "no thread got SCHED_FIFO: \(policies)\n\(journal)")
        } else {
            print("this machine withholds CAP_SYS_RESOURCE: LimitRTPRIO=20 cannot be applied, RLIMIT_RTPRIO is \(rtprio ?? "?")")
            // journald writes what it receives a moment later: look again for a while.
            // A native entry: the session id is its SESSION_ID field.
            let said = try s.wait(10) {
                try s.exec(["journalctl", "--no-pager", "-o", "cat", "-u", Sandbox.service, "SESSION_ID=\(id)"]).stdout
                    .contains("audio thread runs without real-time scheduling")
            }
            #expect(said, "without RLIMIT_RTPRIO the daemon should say it plays without SCHED_FIFO:\n\(s.journal(lines: 200))")
            let status = try s.inward(["status"])
            #expect(status.stdout.contains("session \(id)"), "the session should play on: \(status)\n\(journal)")
        }
    }

    @Test("c: only the staff group may use the socket")
    func staffOnly() throws {
        try ensureRunning()
        for (user, groups) in [("visitor", [String]()), ("therapist", ["-G", "inward"])] {
            let add = try s.exec(["useradd", "-M", "-s", "/usr/sbin/nologin"] + groups + [user])
            #expect(add.status == 0 || add.status == 9, "useradd \(user): \(add)")   // 9: exists already
        }
        let refused = try s.exec(["/usr/bin/inward", "--room", Sandbox.room, "status"], user: "visitor")
        #expect(refused.status == 3, "a user outside group inward: \(refused)")
        #expect(refused.stderr.contains("permission denied on \(Sandbox.socket)"), "\(refused)")
        // Nor may they read the session logs.
        let logs = try s.exec(["ls", "/var/lib/inward/\(Sandbox.room)/sessions"], user: "visitor")
        #expect(logs.status != 0 && logs.stderr.contains("Permission denied"), "\(logs)")

        let served = try s.exec(["/usr/bin/inward", "--room", Sandbox.room, "status"], user: "therapist")
        #expect(served.status == 0, "a user in group inward: \(served)\n\(s.journal())")
        #expect(served.stdout.contains("no session is running") || served.stdout.contains("session "), "\(served)")
        let sessions = try s.exec(["/usr/bin/inward", "--room", Sandbox.room, "sessions"], user: "therapist")
        #expect(sessions.status == 0, "staff read the room's session logs: \(sessions)")
    }

    @Test("d: kill -9 of the daemon: systemd restarts it and the socket answers again")
    func restartAfterKill() throws {
        try ensureRunning()
        let before = try s.show(Sandbox.service, ["MainPID", "NRestarts"])
        let old = try #require(Int(before["MainPID"] ?? ""))
        let restarts = Int(before["NRestarts"] ?? "") ?? 0
        try #require(old > 0)
        #expect(try s.exec(["kill", "-9", "\(old)"]).status == 0)

        let back = try s.wait(15) {
            let now = try s.show(Sandbox.service, ["MainPID", "ActiveState"])
            let pid = Int(now["MainPID"] ?? "") ?? 0
            return now["ActiveState"] == "active" && pid != 0 && pid != old
        }
        #expect(back, "not restarted within 15 s: \(String(describing: try? s.show(Sandbox.service, ["MainPID", "ActiveState", "Result"])))\n\(s.journal())")
        #expect(Int(try s.show(Sandbox.service, ["NRestarts"])["NRestarts"] ?? "") == restarts + 1)
        #expect(s.wait(10) { s.journal().contains("status=9/KILL") }, "\(s.journal())")
        let status = try s.inward(["status"])
        #expect(status.status == 0, "\(status)\n\(s.journal())")
    }

    @Test("d2: kill -9 mid-session: systemd restarts the daemon and the session goes on, same id, one log")
    func sessionResumesAfterKill() throws {
        try ensureIdle()
        let start = try s.inward(["start", "im", "--client", "C-SYSD-D2"])
        try #require(start.status == 0, "\(start)\n\(s.journal())")
        let id = try #require(sessionID(fromStart: start.stdout), "no session id in: \(start.stdout)")
        #expect(try s.inward(["dose"]).status == 0)
        #expect(try s.inward(["volume", "-3"]).status == 0)
        var playing: [String: Any] = [:]
        #expect(try s.wait(20) {
            playing = try sessionStatus()
            return playing["state"] as? String == "playing" && playing["volume_db"] as? Double == -3
        }, "not playing at -3 dB before the kill: \(playing)")
        let old = try s.mainPID()
        #expect(try s.exec(["kill", "-9", "\(old)"]).status == 0)

        var status: [String: Any] = [:]
        let resumed = try s.wait(20) {
            let pid = Int(try s.show(Sandbox.service, ["MainPID"])["MainPID"] ?? "") ?? 0
            guard pid != 0, pid != old else { return false }
            let out = try s.inward(["--json", "status"]).stdout
            let reply = (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]) ?? [:]
            status = reply["status"] as? [String: Any] ?? reply
            return status["session_id"] as? String == id
        }
        #expect(resumed, "the session did not go on after the restart: \(status)\n\(s.journal())")
        #expect(status["state"] as? String == "playing", "\(status)")
        #expect((status["volume_db"] as? Double) == -3, "\(status)")
        #expect(status["t0_seconds"] is Double, "\(status)")
        #expect(try s.show(Sandbox.service, ["StatusText"])["StatusText"]?.contains("resumed") == true)

        #expect(try s.inward(["stop"]).status == 0)
        try dischargeAftercare()
        let log = "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"
        let ended = try s.wait(15) { try s.exec(["tail", "-n", "1", log]).stdout.contains("\"session.end\"") }
        #expect(ended, "\(s.journal())")
        let text = try s.exec(["cat", log]).stdout
        #expect(text.contains("\"session.resume\""), "no session.resume in the log")
        #expect(try s.exec(["/usr/bin/inward", "verify", log]).status == 0)
        #expect(try s.exec(["test", "-e", "/var/lib/inward/\(Sandbox.room)/state.json"]).status != 0, "state.json outlived the session")
    }

    @Test("e: a stopped (hung) daemon: systemd's watchdog kills and restarts it")
    func watchdog() throws {
        try ensureRunning()
        let before = try s.show(Sandbox.service, ["MainPID", "NRestarts", "WatchdogUSec"])
        #expect(before["WatchdogUSec"] == "10s")
        let old = try #require(Int(before["MainPID"] ?? ""))
        let restarts = Int(before["NRestarts"] ?? "") ?? 0
        // Let it ping once more (every 5 s) so the deadline below is the watchdog's.
        let lastPing = try s.show(Sandbox.service, ["WatchdogTimestampMonotonic"])["WatchdogTimestampMonotonic"]
        #expect(try s.wait(20) { try s.show(Sandbox.service, ["WatchdogTimestampMonotonic"])["WatchdogTimestampMonotonic"] != lastPing },
                "no watchdog ping in 20 s (last at \(lastPing ?? "?") us)")
        let stopped = Date()
        #expect(try s.exec(["kill", "-STOP", "\(old)"]).status == 0)

        // Timeout within 10 s of the last ping, SIGABRT (systemd adds SIGCONT), restart after 1 s.
        let back = try s.wait(40) {
            let now = try s.show(Sandbox.service, ["MainPID", "ActiveState"])
            let pid = Int(now["MainPID"] ?? "") ?? 0
            return now["ActiveState"] == "active" && pid != 0 && pid != old
        }
        let took = Date().timeIntervalSince(stopped)
        print("watchdog: restarted \(String(format: "%.1f", took)) s after SIGSTOP")
        let journal = s.journal(lines: 200)
        #expect(back, "not restarted within 40 s of SIGSTOP\n\(journal)")
        #expect(took > 4, "restarted before the watchdog could have fired (\(took) s)")
        #expect(took < 10 + 20, "the watchdog took \(took) s, WatchdogSec=10s")
        #expect(journal.contains("Watchdog timeout"), "\(journal)")
        #expect(journal.contains("Failed with result 'watchdog'"), "\(journal)")
        #expect(Int(try s.show(Sandbox.service, ["NRestarts"])["NRestarts"] ?? "") == restarts + 1)
        let status = try s.inward(["status"])
        #expect(status.status == 0, "\(status)\n\(journal)")
        _ = try? s.exec(["kill", "-9", "\(old)"])   // in case it is still there, stopped
    }

    @Test("f: systemctl stop during a dosed session fades out the music and exits cleanly; the record stays open in aftercare")
    func stopDuringSession() throws {
        try ensureIdle()
        // The journal from here on: the client code is not in the journal to find the start by.
        let cursor = try s.exec(["journalctl", "-n", "1", "--show-cursor"]).stdout
            .split(separator: "\n").first { $0.hasPrefix("-- cursor: ") }.map { String($0.dropFirst("-- cursor: ".count)) }
        let start = try s.inward(["start", "im", "--client", "C-SYSD-F"])
        try #require(start.status == 0, "\(start)\n\(s.journal())")
        let id = try #require(sessionID(fromStart: start.stdout), "no session id in: \(start.stdout)")
        #expect(try s.inward(["dose"]).status == 0)
        _ = try s.inward(["mark", "note", "before the stop"])
        #expect(try s.wait(20) { try sessionStatus()["state"] as? String == "playing" }, "not playing before the stop")

        let began = Date()
        let stop = try s.systemctl("stop", Sandbox.service)
        let took = Date().timeIntervalSince(began)
        #expect(stop.status == 0, "\(stop)")
        let after = try s.show(Sandbox.service, ["Result", "ExecMainStatus", "ExecMainCode", "ActiveState"])
        #expect(after["ActiveState"] == "inactive", "\(after)")
        #expect(after["Result"] == "success", "\(after)\n\(s.journal())")
        #expect(after["ExecMainStatus"] == "0", "\(after)")
        #expect(took < 20, "stopping took \(took) s: TimeoutStopSec=20s would have killed it")
        // What the journal says from this session's start on (journald may write the last lines a moment later).
        func sinceStart() -> String {
            guard let cursor else { return "" }
            return (try? s.exec(["journalctl", "--no-pager", "-u", Sandbox.service, "--after-cursor", cursor]).stdout) ?? ""
        }
        _ = s.wait(10) { sinceStart().contains("Deactivated successfully") }
        let journal = s.journal(lines: 300)
        let sinceStart = sinceStart()
        #expect(sinceStart.contains("signal 15: fading out and stopping"), "\(journal)")
        #expect(sinceStart.contains("Deactivated successfully"), "\(journal)")
        #expect(!sinceStart.contains("SIGKILL") && !sinceStart.contains("timed out"), "\(journal)")

        let log = "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"
        let lines = try s.exec(["cat", log]).stdout.split(separator: "\n")
        let last = try #require(lines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
                                "the log's last line is not JSON: \(lines.last ?? "")")
        #expect(last["kind"] as? String == "music.end", "the log ends with \(last)")
        let verify = try s.exec(["/usr/bin/inward", "verify", log])
        #expect(verify.status == 0, "inward verify: \(verify)")

        // The socket stayed: the next command brings the room back, with the record in aftercare.
        let back = try s.inward(["status"])
        #expect(back.status == 0 && back.stdout.contains("aftercare") && back.stdout.contains(id), "\(back)\n\(s.journal())")
        try dischargeAftercare()
        let closed = try s.exec(["tail", "-n", "1", log]).stdout
        #expect(closed.contains("\"session.end\"") && closed.contains("\"discharged\""), "\(closed)")
    }
}
