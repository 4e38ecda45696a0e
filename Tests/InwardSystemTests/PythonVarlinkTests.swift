@testable import InwardTestSupport
import Foundation
import Testing

/// The daemon driven by an implementation nobody here wrote: the Python
/// `varlink` package from PyPI.
@Suite("Python varlink against inwardd", .serialized)
struct PythonVarlinkTests {
    /// Runs python3 with `arguments`; returns exit status and output.
    func python(_ arguments: [String], timeout: Double = 60) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return (p.terminationStatus,
                String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test("info, GetInterfaceDescription, Start, Dose, Status and a Monitor stream through python varlink")
    func interop() throws {
        let check = try python(["-c", "import varlink"])
        try #require(check.status == 0, "the Python varlink package is missing: run `pip install varlink==31.0.0` (scripts/install-deps does)")
        let daemon = try DaemonHarness(plans: ["system.toml": DaemonSessionTests.plan], pace: 4) { dir in
            for name in ["a", "b", "c"] {
                try TonePlaylist.single(name, frequency: 440, seconds: 30).write(to: dir)
            }
        }
        defer { daemon.terminate() }
        let address = "unix:\(daemon.socket)"

        let info = try python(["-m", "varlink.cli", "info", address])
        #expect(info.status == 0, "varlink info failed: \(info.err)")
        #expect(info.out.contains("io.inward.Session") && info.out.contains("inwardd"))

        let help = try python(["-m", "varlink.cli", "help", "\(address)/io.inward.Session"])
        #expect(help.status == 0, "varlink help failed: \(help.err)")
        #expect(help.out.contains("method Start") && help.out.contains("method Monitor"))

        let script = """
            import json, sys, varlink
            with varlink.Client(address=sys.argv[1]) as client, client.open("io.inward.Session") as s:
                r = s.Start(plan="system", client="C-7")
                print(json.dumps({"step": "start", "id": r["session_id"], "state": r["status"]["state"]}), flush=True)
                r = s.Dose(amount="60 mg")
                print(json.dumps({"step": "dose", "t0": r["t0"], "state": r["status"]["state"]}), flush=True)
                r = s.Status()
                print(json.dumps({"step": "status", "phase": r["status"]["phase"]["name"], "t0": r["status"]["t0_seconds"]}), flush=True)
                with client.open("io.inward.Session") as m:
                    seen = 0
                    for reply in m.Monitor(_more=True):
                        event = reply.get("event")
                        print(json.dumps({"step": "monitor", "state": reply["status"]["state"],
                                          "kind": event["kind"] if event else None}), flush=True)
                        seen += 1
                        if seen == 1:
                            s.Mark(kind="statement", text="I feel calm")
                        if event and event["kind"] == "mark.statement":
                            break
            """
        let run = try python(["-c", script, address])
        #expect(run.status == 0, "python client failed: \(run.err.suffix(1500))")
        let lines = run.out.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let steps = lines.compactMap { $0["step"] as? String }
        #expect(steps.prefix(3) == ["start", "dose", "status"])
        #expect(lines.first?["state"] as? String == "waiting_for_dose")
        #expect(lines.dropFirst().first?["t0"] as? Bool == true)
        #expect(lines.dropFirst(2).first?["phase"] as? String == "onset")
        // The stream opens with the current state, then every event as it happens.
        let monitor = lines.filter { $0["step"] as? String == "monitor" }
        #expect(monitor.first?["kind"] is NSNull)
        #expect(monitor.contains { $0["kind"] as? String == "mark.statement" })
    }
}
