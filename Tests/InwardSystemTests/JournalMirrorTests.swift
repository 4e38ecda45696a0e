@testable import InwardTestSupport
import Foundation
import Testing

/// Every event also goes to journald. A real systemd-journald runs in a
/// private mount namespace (its own /run/systemd and /run/log, so the machine's
/// journal is untouched), the daemon plays a short paced session next to it,
/// and journalctl reads the entries back.
@Suite("inwardd's journald mirror", .serialized)
struct JournalMirrorTests {
    @Test("session events reach journald with INWARD_* fields, and no free text or amounts reach it or stderr")
    func journal() throws {
        try #require(getuid() == 0, "this test needs root for a private mount namespace (CI runs as root)")
        try #require(FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journald"),
                     "systemd-journald is missing (Debian's systemd package)")
        let dir = TestAudio.temporaryDirectory("journal")
        let plans = dir.appendingPathComponent("plans")
        try FileManager.default.createDirectory(at: plans, withIntermediateDirectories: true)
        try """
            name = "journal"
            route = "im"
            [[phase]]
            name = "arrival"
            duration = "until dose"
            fade_in = "1s"
            source = { kind = "silence" }
            [[phase]]
            name = "onset"
            duration = "30m"
            source = { kind = "soundscape", seed = 3 }
            """.write(to: plans.appendingPathComponent("journal.toml"), atomically: true, encoding: .utf8)
        let client = """
            import sys, time, varlink
            with varlink.Client(address="unix:" + sys.argv[1]) as c, c.open("io.inward.Session") as s:
                s.Start(plan="journal", client="K-7")
                time.sleep(0.2)
                s.Dose(amount="50 mg")
                s.Mark(kind="vitals", fields={"systolic": 150, "diastolic": 95})
                s.Mark(kind="statement", text="I can see my grandmother's house")
                s.Mark(kind="adverse_event", fields={"kind": "nausea", "severity": "mild", "response": "ondansetron 4 mg"})
                s.Mark(kind="note", text="tearful, held the therapist's hand")
                s.Stop()
                for _ in range(400):
                    state = s.Status()["status"]["state"]
                    if state == "aftercare":
                        s.Discharge()
                    if state == "idle":
                        break
                    time.sleep(0.05)
            """
        try client.write(to: dir.appendingPathComponent("client.py"), atomically: true, encoding: .utf8)
        let script = """
            set -eu
            mkdir -p /run/systemd /run/log
            mount -t tmpfs tmpfs /run/systemd
            mount -t tmpfs tmpfs /run/log
            /lib/systemd/systemd-journald &
            journald=$!
            for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
            "$INWARDD" --socket "$DIR/control" --state-dir "$DIR/state" --plans "$DIR/plans" --device null --pace 20 2>"$DIR/inwardd.log" &
            daemon=$!
            for i in $(seq 200); do [ -S "$DIR/control" ] && break; sleep 0.05; done
            python3 "$DIR/client.py" "$DIR/control"
            kill -TERM $daemon; wait $daemon || true
            journalctl --sync 2>/dev/null || true
            journalctl --no-pager -o json SYSLOG_IDENTIFIER=inwardd > "$DIR/journal.json"
            kill $journald
            wait $journald || true
            cp -r /run/log/journal "$DIR/journal"
            """
        try script.write(to: dir.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["--mount", "--propagation", "private", "bash", dir.appendingPathComponent("run.sh").path]
        var env = ProcessInfo.processInfo.environment
        env["INWARDD"] = try Products.executable("inwardd")
        env["DIR"] = dir.path
        p.environment = env
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "the journal run failed: \(stderr.suffix(1500))")

        let text = (try? String(contentsOf: dir.appendingPathComponent("journal.json"), encoding: .utf8)) ?? ""
        let entries = text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let events = entries.compactMap { $0["INWARD_EVENT"] as? String }
        for kind in ["session.start", "dose", "mark.vitals", "mark.statement", "mark.adverse_event", "control.stop", "session.end"] {
            #expect(events.contains(kind), "no \(kind) in the journal (saw \(events))")
        }
        let sessions = Set(entries.compactMap { $0["INWARD_SESSION"] as? String })
        #expect(sessions.count == 1)
        let adverse = entries.first { $0["INWARD_EVENT"] as? String == "mark.adverse_event" }
        #expect(adverse?["PRIORITY"] as? String == "4")
        #expect(adverse?["INWARD_PHASE"] as? String == "onset")
        // What the client said, what was given and what was seen stay in the
        // session log: not in the journal, not on the daemon's stderr.
        let stderrLog = (try? String(contentsOf: dir.appendingPathComponent("inwardd.log"), encoding: .utf8)) ?? ""
        #expect(stderrLog.contains("listening"), "the daemon's stderr was not captured: \(stderrLog)")
        for secret in ["grandmother", "50 mg", "nausea", "mild", "ondansetron", "tearful", "K-7"] {
            #expect(!text.contains(secret), "'\(secret)' reached the journal")
            #expect(!stderrLog.contains(secret), "'\(secret)' reached the daemon's stderr")
        }
        #expect(entries.allSatisfy { ($0["INWARD_HASH"] as? String)?.count == 64 }, "an entry without INWARD_HASH")

        // The journal witnesses the log, the last line included; a log cut at
        // the end still chains, but the journal names what is gone.
        let sessionsDir = dir.appendingPathComponent("state/sessions")
        let logName = try #require(try FileManager.default.contentsOfDirectory(atPath: sessionsDir.path).first)
        let log = sessionsDir.appendingPathComponent(logName).path
        let journalDir = dir.appendingPathComponent("journal").path
        let intact = try ProcessRun.product("inward", ["verify", log, "--journal-dir", journalDir])
        #expect(intact.status == 0, "\(intact.stdout)")
        #expect(intact.stdout.contains("witnessed, the last one included"), "\(intact.stdout)")

        let data = try Data(contentsOf: URL(fileURLWithPath: log))
        let lines = data.split(separator: 10)
        let cut = dir.appendingPathComponent("cut.jsonl").path
        try Data(lines.dropLast(2).joined(separator: [10]) + [10]).write(to: URL(fileURLWithPath: cut))
        let chainOnly = try ProcessRun.product("inward", ["verify", cut])
        #expect(chainOnly.status == 0, "the chain alone cannot see a cut at the end: \(chainOnly.stdout)")
        let witnessed = try ProcessRun.product("inward", ["verify", cut, "--journal-dir", journalDir])
        #expect(witnessed.status == 1, "\(witnessed.stdout)")
        #expect(witnessed.stdout.contains("seq \(lines.count) is missing from the log"), "\(witnessed.stdout)")
        let json = try ProcessRun.product("inward", ["--json", "verify", cut, "--journal-dir", journalDir])
        #expect(json.stdout.contains("\"missing\""), "\(json.stdout)")
    }
}
