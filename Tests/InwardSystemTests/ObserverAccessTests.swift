@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing

/// Who may connect to a room, for real: a systemd 252 sandbox with
/// inwardd@room1.socket and inwardd-observe@room1.socket, and three Unix users
/// created in it: `staff` (group inward), `observer` (group inward-observe) and
/// `stranger` (neither), each running the inward CLI as themselves. The kernel
/// decides who may connect to which socket (their modes and groups); the
/// daemon decides which methods a socket may call, and records who called.
@Suite("staff, observer and stranger at a room under a real systemd", .serialized, .systemdSandbox)
struct ObserverAccessTests {
    typealias Sandbox = SystemdSandbox
    static let observeSocket = "/run/inward/\(Sandbox.room)/observe"
    static let observeUnit = "inwardd-observe@\(Sandbox.room).socket"
    let s: SystemdSandbox

    init() throws {
        s = try SystemdSandbox.shared()
        for (user, groups) in [("staff", ["-G", "inward"]), ("observer", ["-G", "inward-observe"]), ("stranger", [])] {
            guard try s.exec(["id", user]).status != 0 else { continue }
            // Debian has a group `staff` already (gid 50): the user `staff` takes it as its own.
            let own = try s.exec(["getent", "group", user]).status == 0 ? ["-g", user] : []
            let add = try s.exec(["useradd", "-M", "-s", "/usr/sbin/nologin"] + own + groups + [user])
            try #require(add.status == 0, "useradd \(user): \(add)")
        }
        // Both sockets listen before the daemon starts, so systemd passes it both.
        let start = try s.systemctl("start", Sandbox.socketUnit, Self.observeUnit)
        try #require(start.status == 0, "systemctl start: \(start)\n\(s.journal(Self.observeUnit))")
    }

    /// `inward --room room1 ARGS` run inside the sandbox as `user`.
    @discardableResult
    func inward(_ user: String, _ arguments: [String], timeout: Double = 30) throws -> ProcessRun {
        try s.exec(["/usr/bin/inward", "--room", Sandbox.room, "--timeout", "20"] + arguments, user: user, timeout: timeout)
    }

    /// No session in the room: the music stopped and any record discharged, as staff.
    func ensureIdle() throws {
        _ = try inward("staff", ["stop"])
        let settled = try s.wait(20) {
            let status = try inward("staff", ["status"]).stdout
            return status.contains("aftercare") || status.contains("no session is running")
        }
        try #require(settled, "the room did not settle: \(String(describing: try? inward("staff", ["status"])))\n\(s.journal())")
        if try inward("staff", ["status"]).stdout.contains("aftercare") {
            _ = try inward("staff", ["discharge", "--early", "--reason", "end of the test"])
        }
        let idle = try s.wait(15) { try inward("staff", ["status"]).stdout.contains("no session is running") }
        try #require(idle, "\(String(describing: try? inward("staff", ["status"])))\n\(s.journal())")
    }

    func events(_ log: String) throws -> [JSONObject] {
        try SessionLogLines.parse(s.exec(["cat", log]).stdout)
    }

    @Test("the observer socket: root:inward-observe 0660, passed to the daemon as `observe` beside the control socket")
    func sockets() throws {
        #expect(try s.stat(Self.observeSocket) == "660 root:inward-observe")
        #expect(try s.stat(Sandbox.socket) == "660 root:inward")
        // The first connection, on the observer socket, starts the one daemon of the room with both sockets.
        _ = try s.systemctl("stop", Sandbox.service)
        let watched = try inward("observer", ["status"])
        #expect(watched.status == 0, "\(watched)\n\(s.journal())")
        let service = try s.show(Sandbox.service, ["MainPID", "ActiveState"])
        #expect(service["ActiveState"] == "active", "\(service)")
        // This daemon (its PID) says it got two sockets, one of them the observer's.
        let said = try s.wait(10) {
            let entries = try s.exec(["journalctl", "--no-pager", "-o", "verbose", "_PID=\(service["MainPID"] ?? "0")"]).stdout
            return entries.contains("OBSERVER_SOCKET=true") && entries.contains("SOCKETS=2")
        }
        #expect(said, "the daemon did not say it got the observer socket:\n\(s.journal())")
    }

    @Test("staff start, dose, mark, stop and discharge; each is recorded with user staff")
    func staffRecordedAsThemselves() throws {
        try ensureIdle()
        let start = try inward("staff", ["start", "im", "--client", "C-OBS-1"])
        try #require(start.status == 0, "\(start)\n\(s.journal())")
        let id = try #require(start.stdout.split(separator: "\n").first { $0.hasPrefix("session ") }?
            .split(separator: " ").dropFirst().first.map(String.init), "\(start)")
        let log = "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"
        let steps: [[String]] = [
            ["dose", "--lot", "L-OBS"],
            ["pause"],
            ["resume"],
            ["mark", "vitals", "--field", "bp=120/80"],
            ["mark", "assessment", "--sedation", "mild", "--dissociation", "moderate", "--respiratory", "normal"],
            ["stop"],
        ]
        for step in steps {
            let r = try inward("staff", step)
            #expect(r.status == 0, "staff: inward \(step.joined(separator: " ")): \(r)\n\(s.journal())")
        }
        let aftercare = try s.wait(20) { try inward("staff", ["status"]).stdout.contains("aftercare") }
        try #require(aftercare, "\(String(describing: try? inward("staff", ["status"])))")
        #expect(try inward("staff", ["mark", "ready-to-leave"]).status == 0)
        let discharge = try inward("staff", ["discharge", "--early", "--reason", "the test ends here"])
        #expect(discharge.status == 0, "\(discharge)")

        let record = try events(log)
        for kind in ["session.start", "dose", "control.pause", "control.resume", "mark.vitals", "mark.assessment", "control.stop", "mark.ready_to_leave", "session.end"] {
            let event = try #require(record.first { $0["kind"]?.stringValue == kind }, "no \(kind) in \(record.compactMap { $0["kind"]?.stringValue })")
            #expect(event["fields"]?["user"]?.stringValue == "staff", "\(kind): \(event)")
        }
        // `by` stays the free note the caller wrote (the CLI says "therapist"); the user comes from the socket.
        #expect(record.first { $0["kind"]?.stringValue == "control.pause" }?["fields"]?["by"]?.stringValue == "therapist")
        #expect(try s.exec(["/usr/bin/inward", "verify", log]).status == 0)
        // Staff read the record; the review shows who did what.
        let review = try inward("staff", ["review", id])
        #expect(review.status == 0 && review.stdout.contains("Music paused (by staff / therapist)")
                && review.stdout.contains("(by staff)"), "\(review)")
    }

    @Test("the observer watches (status, status --follow) through the observer socket; every control is refused")
    func observerWatchesOnly() throws {
        try ensureIdle()
        let start = try inward("staff", ["start", "im", "--client", "C-OBS-2"])
        try #require(start.status == 0, "\(start)\n\(s.journal())")
        let id = try #require(start.stdout.split(separator: "\n").first { $0.hasPrefix("session ") }?
            .split(separator: " ").dropFirst().first.map(String.init), "\(start)")
        defer { try? ensureIdle() }

        // status: not in group inward, so the CLI goes to the room's observer socket.
        let status = try inward("observer", ["status"])
        #expect(status.status == 0 && status.stdout.contains("session \(id)"), "\(status)\n\(s.journal())")

        // status --follow as the observer (ended by SIGTERM after 10 s), while staff mark vitals.
        let follow = FollowRun()
        let followed = Thread { [s] in
            follow.result = try? s.exec(["timeout", "-s", "TERM", "10", "/usr/bin/inward", "--room", Sandbox.room, "status", "--follow"],
                                        user: "observer", timeout: 30)
            follow.done.signal()
        }
        followed.start()
        // Give the follow a moment to subscribe, then mark (the event must reach it).
        _ = try s.wait(5) { try s.exec(["pgrep", "-u", "observer", "-f", "status --follow"]).status == 0 }
        usleep(500_000)
        #expect(try inward("staff", ["mark", "vitals", "--field", "hr=72"]).status == 0)
        #expect(follow.done.wait(timeout: .now() + 40) == .success, "status --follow did not end")
        let watched = try #require(follow.result)
        // timeout(1) exits 124 once it has sent SIGTERM; inward itself ends 0 on it.
        #expect(watched.status == 124 && watched.stderr.isEmpty, "\(watched)")
        // The event line names who marked it: the user the daemon took from the staff's socket.
        #expect(watched.stdout.split(separator: "\n").contains { $0.contains("vitals") && $0.contains("user=staff") },
                "the observer's follow did not show the staff's mark with its user: \(watched)")

        // Every control: the daemon refuses it on the observer socket.
        let controls: [[String]] = [
            ["pause"], ["resume"], ["silence"], ["volume", "0"], ["hold", "1m"], ["next"], ["skip"],
            ["dose"], ["mark", "note", "from the observer"], ["mark", "vitals", "--field", "hr=80"], ["stop"],
            ["discharge", "--early", "--reason", "observer"], ["start", "im"],
        ]
        for control in controls {
            let r = try inward("observer", control)
            #expect(r.status == 1, "observer: inward \(control.joined(separator: " ")): \(r)")
            #expect(r.stderr.contains("permission denied") && r.stderr.contains("observer socket"),
                    "observer: inward \(control.joined(separator: " ")): \(r)")
        }
        // Nothing they tried reached the record, and the session plays on.
        let record = try events("/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl")
        #expect(!record.contains { $0["fields"]?["user"]?.stringValue == "observer" }, "\(record)")
        #expect(!record.contains { $0["kind"]?.stringValue == "control.pause" || $0["kind"]?.stringValue == "dose" })
        #expect(try inward("staff", ["status"]).stdout.contains("session \(id)"))

        // The kernel keeps the observer off the control socket, and out of the logs.
        let control = try s.exec(["/usr/bin/inward", "--socket", Sandbox.socket, "status"], user: "observer")
        #expect(control.status == 3 && control.stderr.contains("permission denied on \(Sandbox.socket)"), "\(control)")
        let logs = try s.exec(["ls", "/var/lib/inward/\(Sandbox.room)/sessions"], user: "observer")
        #expect(logs.status != 0 && logs.stderr.contains("Permission denied"), "\(logs)")
    }

    @Test("the daemon checks the method per socket: root, whom the kernel lets in anywhere, is still refused controls there")
    func daemonChecksTheSocket() throws {
        try ensureIdle()
        let refused = try s.exec(["/usr/bin/inward", "--socket", Self.observeSocket, "start", "im"])
        #expect(refused.status == 1 && refused.stderr.contains("permission denied"), "\(refused)")
        #expect(try inward("staff", ["status"]).stdout.contains("no session is running"))
        // org.varlink.service answers there, to a client nobody here wrote (scripts/install-deps installs it).
        let info = try s.exec(["python3", "-m", "varlink.cli", "info", "unix:\(Self.observeSocket)"])
        #expect(info.status == 0 && info.stdout.contains("io.inward.Session"), "\(info)")
    }

    @Test("a stranger can connect to neither socket")
    func strangerKeptOut() throws {
        let viaRoom = try inward("stranger", ["status"])
        #expect(viaRoom.status == 3 && viaRoom.stderr.contains("permission denied on \(Sandbox.socket)"), "\(viaRoom)")
        let observe = try s.exec(["/usr/bin/inward", "--socket", Self.observeSocket, "status"], user: "stranger")
        #expect(observe.status == 3 && observe.stderr.contains("permission denied on \(Self.observeSocket)"), "\(observe)")
        let control = try inward("stranger", ["stop"])
        #expect(control.status == 3, "\(control)")
    }
}

/// The result of a `status --follow` run on another thread.
final class FollowRun: @unchecked Sendable {
    var result: ProcessRun?
    let done = DispatchSemaphore(value: 0)
}
