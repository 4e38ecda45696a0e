@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// inwardd@room1's journal under a real systemd 252 in the sandbox, read back
/// with `journalctl -o json`: the daemon's own lines as native entries, no
/// health information anywhere in the journal, and the room's entries shipped
/// to a central journal by systemd-journal-upload and systemd-journal-remote
/// (on the sandbox's own loopback: it has a network namespace of its own).
@Suite("inwardd's journal under a real systemd", .serialized, .systemdSandbox)
struct JournalLoggingTests {
    typealias Sandbox = SystemdSandbox
    let s: SystemdSandbox

    init() throws { s = try SystemdSandbox.shared() }

    /// The room's daemon up and idle.
    func ensureIdle() throws {
        let start = try s.systemctl("start", Sandbox.socketUnit)
        try #require(start.status == 0, "systemctl start \(Sandbox.socketUnit): \(start)\n\(s.journal(Sandbox.socketUnit))")
        try #require(try s.inward(["status"]).status == 0, "\(s.journal())")
        _ = try s.inward(["stop"])   // exit 1 when no session runs: fine
        // A record left in aftercare (the music ended after a dose) is closed too.
        _ = try s.wait(15) { !(try s.inward(["status"]).stdout.contains("stopping")) }
        if try s.inward(["status"]).stdout.contains("aftercare") {
            _ = try s.inward(["discharge", "--early", "--reason", "end of the test"])
        }
        let idle = try s.wait(15) { try s.inward(["status"]).stdout.contains("no session is running") }
        try #require(idle, "the room did not become idle\n\(s.journal())")
    }

    /// Entries of `journalctl -o json ARGS` in the sandbox, and the raw text.
    func journal(_ arguments: [String]) throws -> (entries: [[String: Any]], text: String) {
        let r = try s.exec(["journalctl", "--no-pager", "-o", "json"] + arguments, timeout: 60)
        let entries = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (entries, r.stdout)
    }

    /// Runs a session in room1 and returns its id once its log has ended.
    func session(client: String, _ controls: [[String]]) throws -> String {
        let start = try s.inward(["start", "im", "--client", client])
        try #require(start.status == 0, "\(start)\n\(s.journal())")
        let id = try #require(start.stdout.split(separator: "\n").first { $0.hasPrefix("session ") }?
            .split(separator: " ").dropFirst().first.map(String.init), "no session id in: \(start.stdout)")
        for control in controls {
            let r = try s.inward(control)
            #expect(r.status == 0, "inward \(control.joined(separator: " ")): \(r)")
        }
        #expect(try s.inward(["stop"]).status == 0)
        // After a dose the music ends into aftercare: discharge closes the record.
        let settled = try s.wait(20) {
            let status = try s.inward(["status"]).stdout
            return status.contains("aftercare") || status.contains("no session is running")
        }
        try #require(settled, "the music did not end\n\(s.journal())")
        if try s.inward(["status"]).stdout.contains("aftercare") {
            let discharge = try s.inward(["discharge", "--early", "--reason", "end of the test"])
            #expect(discharge.status == 0, "\(discharge)")
        }
        let log = "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"
        let ended = try s.wait(20) { try s.exec(["tail", "-n", "1", log]).stdout.contains("\"session.end\"") }
        try #require(ended, "the session did not end\n\(s.journal())")
        return id
    }

    @Test("a: the daemon's own lines are native entries with PRIORITY, CODE_* and INWARD_ROOM, not text on stderr")
    func nativeEntries() throws {
        try ensureIdle()
        // A restart logs the SIGTERM notice (priority 5) and the new daemon's start-up lines (6).
        #expect(try s.systemctl("restart", Sandbox.service).status == 0, "\(s.journal())")
        try #require(try s.inward(["status"]).status == 0, "\(s.journal())")
        let unit = ["-u", Sandbox.service]
        var entries: [[String: Any]] = []
        func line(_ message: String) -> [String: Any]? {
            entries.last { $0["MESSAGE"] as? String == message && $0["_TRANSPORT"] as? String == "journal" }
        }
        let arrived = try s.wait(15) {
            entries = try journal(unit).entries
            return line("listening on the socket systemd passed") != nil && line("signal 15: fading out and stopping") != nil
        }
        #expect(arrived, "the daemon's lines did not reach the journal natively:\n\(s.journal())")

        let listening = try #require(line("listening on the socket systemd passed"))
        #expect(listening["PRIORITY"] as? String == "6", "\(listening)")
        #expect(listening["SYSLOG_IDENTIFIER"] as? String == "inwardd", "\(listening)")
        #expect(listening["INWARD_ROOM"] as? String == Sandbox.room, "\(listening)")
        #expect((listening["CODE_FILE"] as? String)?.hasSuffix("Daemon.swift") == true, "\(listening)")
        #expect(Int(listening["CODE_LINE"] as? String ?? "") ?? 0 > 0, "\(listening)")
        #expect((listening["CODE_FUNC"] as? String)?.hasPrefix("run") == true, "\(listening)")
        #expect(line("signal 15: fading out and stopping")?["PRIORITY"] as? String == "5")
        // Metadata as fields of their own.
        let settings = try #require(line("settings"), "no 'settings' line")
        #expect(settings["ROOM"] as? String == Sandbox.room, "\(settings)")
        #expect((settings["CONFIG"] as? String)?.contains("/etc/inward/rooms/\(Sandbox.room).toml") == true, "\(settings)")
        let folder = try #require(line("session logs"), "no 'session logs' line")
        #expect(folder["JOURNAL"] as? String == "true", "\(folder)")

        // Nothing from the daemon came as text through the stderr stream.
        let pids = Set(entries.compactMap { $0["SYSLOG_IDENTIFIER"] as? String == "inwardd" ? $0["_PID"] as? String : nil })
        let text = entries.filter { $0["_TRANSPORT"] as? String == "stdout" && pids.contains($0["_PID"] as? String ?? "") }
        #expect(text.isEmpty, "the daemon wrote to stderr under systemd: \(text.map { $0["MESSAGE"] ?? "" })")
    }

    @Test("b: a session's statement, adverse event, note and dose reach the log, never the journal")
    func nothingPersonalInTheJournal() throws {
        try ensureIdle()
        // Every string a person typed; each unlikely to occur in a journal by chance.
        let secrets = [
            "client": "CX-PRIV-4471Q",
            "amount": "AMOUNT-0.6173-mg-per-kg",
            "lot": "LOT-Q7Z9X2",
            "statement": "STATEMENT-the ocean took my grandmother",
            "adverse": "ADVERSE-TEXT-shaking-hands",
            "adverse kind": "KIND-nausea-qz",
            "severity": "SEVERITY-moderate-qz",
            "response": "RESPONSE-ondansetron-4mg-qz",
            "note": "NOTE-client tearful-qz",
        ]
        let id = try session(client: secrets["client"]!, [
            ["dose", "--route", "im", "--amount", secrets["amount"]!, "--lot", secrets["lot"]!],
            ["mark", "statement", secrets["statement"]!],
            ["mark", "adverse_event", secrets["adverse"]!, "--field", "kind=\(secrets["adverse kind"]!)",
             "--field", "severity=\(secrets["severity"]!)", "--field", "response=\(secrets["response"]!)"],
            ["mark", "note", secrets["note"]!],
        ])
        // The record has them all (so the search below can find them if they leak)...
        let log = try s.exec(["cat", "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"]).stdout
        for (what, secret) in secrets {
            #expect(log.contains(secret), "the session log lacks the \(what): the test did not record it")
        }
        // ...the journal has every event of the session, as the mirror writes them...
        var mirrored: [[String: Any]] = []
        let complete = try s.wait(15) {
            mirrored = try journal(["INWARD_SESSION=\(id)"]).entries
            return mirrored.contains { $0["INWARD_EVENT"] as? String == "session.end" }
        }
        #expect(complete, "the journal lacks the session's end:\n\(s.journal())")
        let kinds = mirrored.compactMap { $0["INWARD_EVENT"] as? String }
        for kind in ["session.start", "dose", "mark.statement", "mark.adverse_event", "mark.note", "control.stop"] {
            #expect(kinds.contains(kind), "no \(kind) in the journal: \(kinds)")
        }
        #expect(mirrored.allSatisfy { $0["INWARD_ROOM"] as? String == Sandbox.room })
        // ...and not one of the strings, anywhere in the sandbox's journal: the
        // unit's own lines, its stderr stream, systemd's lines about it.
        let everything = try journal([]).text
        #expect(everything.contains(id), "the journal does not name the session at all")
        // Also not in pieces a MESSAGE could take (the amount's number, the statement's words).
        let fragments = Array(secrets.values) + ["0.6173", "grandmother", "ondansetron", "tearful", "4471Q"]
        let leaks = everything.split(separator: "\n").filter { entry in fragments.contains { entry.contains($0) } }
        #expect(leaks.isEmpty, "health information reached the journal:\n\(leaks.joined(separator: "\n"))")
    }

    @Test("c: systemd-journal-upload ships the room's entries to systemd-journal-remote; inward verify checks the log against them")
    func logsOffTheMachine() throws {
        for tool in ["/lib/systemd/systemd-journal-remote", "/lib/systemd/systemd-journal-upload"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool),
                         "\(tool) is missing: scripts/install-deps installs systemd-journal-remote")
        }
        try ensureIdle()
        let central = "/var/log/journal/remote"
        // As docs/systemd.md: the central side listens (here on the sandbox's own
        // loopback, plain HTTP; HTTPS with certificates in a clinic) and writes
        // what it receives under /var/log/journal/remote; the room uploads.
        let setup = """
            set -e
            # What a real boot's systemd-tmpfiles-setup does (masked in the sandbox):
            # the journal readable by the systemd-journal group, which the uploader is in.
            systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal
            mkdir -p /etc/systemd/system/systemd-journal-remote.socket.d \
                     /etc/systemd/system/systemd-journal-remote.service.d /etc/systemd/journal-upload.conf.d
            printf '[Socket]\\nListenStream=\\nListenStream=127.0.0.1:19532\\n' \
                > /etc/systemd/system/systemd-journal-remote.socket.d/loopback.conf
            printf '[Service]\\nExecStart=\\nExecStart=/lib/systemd/systemd-journal-remote --listen-http=-3 --output=\(central)/\\n' \
                > /etc/systemd/system/systemd-journal-remote.service.d/http.conf
            printf '[Upload]\\nURL=http://127.0.0.1:19532\\n' > /etc/systemd/journal-upload.conf.d/central.conf
            systemctl daemon-reload
            systemctl start systemd-journal-remote.socket systemd-journal-upload.service
            """
        let set = try s.exec(["sh", "-c", setup])
        try #require(set.status == 0, "setting up journal-remote and journal-upload: \(set)\n\(s.journal("systemd-journal-upload.service"))")
        // Only the sandbox's loopback listens.
        let listen = try s.show("systemd-journal-remote.socket", ["Listen"])["Listen"] ?? ""
        #expect(listen == "127.0.0.1:19532 (Stream)", "\(listen)")

        let id = try session(client: "CX-REMOTE-1", [["dose"], ["mark", "note", "NOTE-remote-qz"], ["volume", "-2"]])
        var verify = try s.exec(["true"])
        let ended = Date()
        let witnessed = try s.wait(30) {
            verify = try s.exec(["/usr/bin/inward", "--room", Sandbox.room, "verify", id, "--journal-dir", central])
            return verify.status == 0 && verify.stdout.contains("witnessed, the last one included")
        }
        let uploaded = s.journal("systemd-journal-upload.service") + "\n" + s.journal("systemd-journal-remote.service")
        #expect(witnessed, "inward verify against the central journal: \(verify)\n\(uploaded)")
        if witnessed {
            print("central journal witnessed the whole session \(String(format: "%.2f", Date().timeIntervalSince(ended))) s after its log ended")
        }

        // The central journal has the daemon's own lines too, by room, and the privacy holds there as well.
        let remote = try journal(["-D", central, "INWARD_ROOM=\(Sandbox.room)"])
        #expect(remote.entries.contains { $0["MESSAGE"] as? String == "listening on the socket systemd passed" },
                "the daemon's own lines did not reach the central journal")
        #expect(remote.entries.contains { $0["INWARD_SESSION"] as? String == id && $0["INWARD_EVENT"] as? String == "session.end" })
        #expect(!remote.text.contains("NOTE-remote-qz") && !remote.text.contains("CX-REMOTE-1"))

        // A log cut at the end still chains, but the central witness names what is gone.
        let log = "/var/lib/inward/\(Sandbox.room)/sessions/\(id).jsonl"
        let cut = "/tmp/\(id)-cut.jsonl"
        #expect(try s.exec(["sh", "-c", "head -n -1 \(log) > \(cut)"]).status == 0)
        let short = try s.exec(["/usr/bin/inward", "verify", cut, "--journal-dir", central])
        #expect(short.status == 1 && short.stdout.contains("is missing from the log"), "\(short)")
    }
}
