@testable import InwardTestSupport
import Foundation
import Testing

/// The free text of the record's end never reaches the journal or stderr:
/// a correction's reason, a ready-to-leave note, an early discharge's reason
/// and its note. A real systemd-journald in a private mount namespace, as in
/// JournalMirrorTests; the daemon and an independent Varlink client (Python)
/// beside it; journalctl reads everything back.
@Suite("aftercare free text stays out of the journal", .serialized)
struct AftercarePrivacyTests {
    @Test("a correction's reason, a ready-to-leave note and an early discharge's reason and note reach the log, never the journal or stderr")
    func aftercareFreeTextStaysInTheLog() throws {
        try #require(getuid() == 0, "this test needs root for a private mount namespace (CI runs as root)")
        try #require(FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journald"),
                     "systemd-journald is missing (Debian's systemd package)")
        let dir = TestAudio.temporaryDirectory("aftercare-journal")
        let plans = dir.appendingPathComponent("plans")
        try FileManager.default.createDirectory(at: plans, withIntermediateDirectories: true)
        try """
            name = "privacy"
            route = "im"
            [aftercare]
            min_after_dose = "2h"
            [[phase]]
            name = "arrival"
            duration = "until dose"
            source = { kind = "silence" }
            [[phase]]
            name = "onset"
            duration = "30m"
            source = { kind = "soundscape", seed = 3 }
            """.write(to: plans.appendingPathComponent("privacy.toml"), atomically: true, encoding: .utf8)
        // Each string unlikely to occur in a journal by chance.
        let secrets = [
            "reason": "REASON-wrong-chart-qz7", "ready": "READY-walked-unaided-qz7",
            "early": "EARLY-mother-collected-qz7", "note": "NOTE-home-with-sister-qz7",
        ]
        let client = """
            import sys, time, varlink
            with varlink.Client(address="unix:" + sys.argv[1]) as c, c.open("io.inward.Session") as s:
                s.Start(plan="privacy")
                s.Dose()
                seq = s.Mark(kind="vitals", fields={"spo2": 97})["seq"]
                s.Mark(kind="correction", fields={"of": seq, "reason": "\(secrets["reason"]!)"})
                s.Stop()
                for _ in range(400):
                    if s.Status()["status"]["state"] == "aftercare":
                        break
                    time.sleep(0.05)
                s.Mark(kind="ready_to_leave", text="\(secrets["ready"]!)")
                s.Discharge(note="\(secrets["note"]!)", early=True, reason="\(secrets["early"]!)")
                print(s.Status()["status"]["state"])
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
            python3 "$DIR/client.py" "$DIR/control" > "$DIR/client.out"
            kill -TERM $daemon; wait $daemon || true
            journalctl --sync 2>/dev/null || true
            journalctl --no-pager -o json > "$DIR/journal.json"
            kill $journald
            wait $journald || true
            """
        try script.write(to: dir.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["INWARDD"] = try Products.executable("inwardd")
        environment["DIR"] = dir.path
        let run = try ProcessRun.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "bash", dir.appendingPathComponent("run.sh").path],
                                     environment: environment)
        #expect(run.status == 0, "the journal run failed: \(run)")
        let said = (try? String(contentsOf: dir.appendingPathComponent("client.out"), encoding: .utf8)) ?? ""
        #expect(said.trimmingCharacters(in: .whitespacesAndNewlines) == "idle", "the record was not discharged: \(said)")

        // The log has every string (so the search below would find a leak)...
        let sessions = dir.appendingPathComponent("state/sessions")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first)
        let log = try String(contentsOf: sessions.appendingPathComponent(name), encoding: .utf8)
        for (what, secret) in secrets { #expect(log.contains(secret), "the session log lacks the \(what): the test did not record it") }
        // ...the journal has the events of the record's end...
        let journal = try String(contentsOf: dir.appendingPathComponent("journal.json"), encoding: .utf8)
        let events = journal.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["INWARD_EVENT"] as? String
        }
        for kind in ["mark.correction", "music.end", "mark.ready_to_leave", "session.end"] {
            #expect(events.contains(kind), "no \(kind) in the journal (saw \(events))")
        }
        // ...and none of the strings, anywhere in it or on the daemon's stderr.
        let stderr = (try? String(contentsOf: dir.appendingPathComponent("inwardd.log"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("listening"), "the daemon's stderr was not captured: \(stderr)")
        for (what, secret) in secrets {
            #expect(!journal.contains(secret), "the \(what) reached the journal")
            #expect(!stderr.contains(secret), "the \(what) reached the daemon's stderr")
        }
    }
}
