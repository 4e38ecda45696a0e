@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--json` output read by a parser the project did not write (Python's json
/// module, strict: no duplicate keys, no NaN or Infinity), with the JSON type
/// of each value checked, for commands that build their output in the CLI
/// (check, sessions, verify) and those that print what the daemon or the
/// review reports give (status, review). Status runs against a real `inwardd`.
@Suite("--json output read by Python's json module", .serialized)
struct JSONOutputTests {
    /// Parses standard input strictly and prints `path=type:value` for each
    /// path argument (`a/0/b`; `a/#` is the length of `a`), `path=missing`
    /// when it is not there. Exits 1 with the reason when the text is not JSON.
    static let reader = #"""
        import json, sys
        def pairs(ps):
            keys = [k for k, _ in ps]
            if len(keys) != len(set(keys)):
                raise ValueError("duplicate key in " + repr(keys))
            return dict(ps)
        def constant(c):
            raise ValueError("not JSON: " + c)
        try:
            doc = json.loads(sys.stdin.read(), object_pairs_hook=pairs, parse_constant=constant)
        except ValueError as e:
            print("invalid:", e)
            sys.exit(1)
        for path in sys.argv[1:]:
            v = doc
            try:
                for part in path.split("/"):
                    if part == "#":
                        v = len(v)
                    elif isinstance(v, list):
                        v = v[int(part)]
                    else:
                        v = v[part]
                print(path + "=" + type(v).__name__ + ":" + json.dumps(v, sort_keys=True, ensure_ascii=False))
            except (KeyError, IndexError, TypeError, ValueError):
                print(path + "=missing")
        """#

    struct Parsed: CustomStringConvertible {
        var values: [String: String]
        var text: String
        subscript(path: String) -> String? { values[path] }
        var description: String { text }
    }

    /// `document` read by Python; the values at `paths` as `type:json`.
    static func python(_ document: String, _ paths: [String]) throws -> Parsed {
        let r = try ProcessRun.run("/usr/bin/python3", ["-c", reader] + paths, stdin: document, timeout: 60)
        try #require(r.status == 0, "Python's json module refused the output: \(r)\n--- document ---\n\(document.prefix(3000))")
        var values: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return Parsed(values: values, text: r.stdout)
    }

    /// `inward ARGS`, which must succeed and print one line of JSON (`oneLine`) or a document.
    static func inward(_ arguments: [String], home: URL, oneLine: Bool = true) throws -> String {
        let r = try CLI.run(arguments, home: home)
        try #require(r.status == 0, "inward \(arguments.joined(separator: " ")): \(r)")
        if oneLine {
            #expect(r.stdout.hasSuffix("\n") && r.stdout.dropLast().firstIndex(of: "\n") == nil,
                    "inward \(arguments.joined(separator: " ")) printed more than one line: \(r)")
        }
        return r.stdout
    }

    /// A real `inwardd` on its own socket and state folder, playing into ALSA's
    /// null PCM at real-time pace; stopped (SIGTERM) when the test ends.
    final class Daemon {
        let directory: URL
        let socket: String
        let state: String
        let process = Process()

        init(plan: PlanFixture, in directory: URL) throws {
            self.directory = directory
            socket = directory.appendingPathComponent("control").path
            state = directory.appendingPathComponent("state").path
            let plans = directory.appendingPathComponent("plans")
            try FileManager.default.createDirectory(at: plans, withIntermediateDirectories: true)
            try plan.toml.write(to: plans.appendingPathComponent(plan.fileName), atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: try Products.executable("inwardd"))
            process.arguments = ["--socket", socket, "--state-dir", state, "--plans", plans.path, "--device", "null", "--pace", "1"]
            var env = ProcessInfo.processInfo.environment
            env["HOME"] = directory.path
            process.environment = env
            let log = directory.appendingPathComponent("inwardd.log").path
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let socket = self.socket, process = self.process
            let listening = waitUntil(timeout: 20, every: 0.02) {
                (try? VarlinkTestClient(path: socket)) != nil || !process.isRunning
            } && process.isRunning
            if !listening {
                stop()
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw VarlinkTestClient.Failure(description: "inwardd did not start listening on \(socket): \(text)")
            }
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            if !waitUntil(timeout: 20, every: 0.02, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    @Test("status, sessions, verify and review print JSON that Python reads, with the expected types, around a real daemon")
    func session() throws {
        let tmp = try TempDir()
        let daemon = try Daemon(plan: PlanFixture.soundscapes(name: "jsonout"), in: tmp.url)
        let s = ["--socket", daemon.socket]
        _ = try Self.inward(s + ["start", "jsonout", "--client", "K-0077"], home: tmp.url, oneLine: false)
        _ = try Self.inward(s + ["dose"], home: tmp.url, oneLine: false)
        // A note whose text needs escaping: quotes, a backslash, a slash, a newline, a control character, non-ASCII.
        let note = "said \"the river\" \\ up/down\nthen\u{1} quiet, Kōji"
        _ = try Self.inward(s + ["mark", "note", note], home: tmp.url, oneLine: false)

        let status = try Self.python(try Self.inward(s + ["--json", "status"], home: tmp.url), [
            "status/state", "status/plan", "status/client", "status/session_id", "status/t0_seconds", "status/phase/name",
            "status/last_seq", "status/paused",
        ])
        #expect(status["status/state"] == #"str:"playing""#, "\(status)")
        #expect(status["status/plan"] == #"str:"jsonout""#, "\(status)")
        #expect(status["status/client"] == #"str:"K-0077""#, "\(status)")
        #expect(status["status/phase/name"] == #"str:"onset""#, "\(status)")
        #expect(status["status/t0_seconds"]?.hasPrefix("float:") == true, "\(status)")
        #expect(status["status/last_seq"]?.hasPrefix("int:") == true, "\(status)")
        #expect(status["status/paused"] == "bool:false", "\(status)")
        let sessionID = try #require(status["status/session_id"].flatMap { v -> String? in
            guard v.hasPrefix("str:\"") else { return nil }
            return String(v.dropFirst(5).dropLast())
        }, "\(status)")

        // Stop, wait for the fade into aftercare, then close the record.
        _ = try Self.inward(s + ["stop"], home: tmp.url, oneLine: false)
        let inAftercare = try waitUntil(timeout: 30, every: 0.1) {
            try Self.python(try Self.inward(s + ["--json", "status"], home: tmp.url), ["status/state"])["status/state"]
                == #"str:"aftercare""#
        }
        try #require(inAftercare, "the session did not reach aftercare")
        _ = try Self.inward(s + ["discharge"], home: tmp.url, oneLine: false)
        let idle = try waitUntil(timeout: 30, every: 0.1) {
            try Self.python(try Self.inward(s + ["--json", "status"], home: tmp.url), ["status/state"])["status/state"]
                == #"str:"idle""#
        }
        #expect(idle, "the record did not close")

        let sessions = try Self.python(try Self.inward(["--json", "sessions", "--state-dir", daemon.state], home: tmp.url), [
            "#", "0/session_id", "0/client", "0/plan", "0/marks", "0/length_seconds", "0/warnings", "0/alerts", "0/dose_time",
        ])
        #expect(sessions["#"] == "int:1", "\(sessions)")
        #expect(sessions["0/session_id"] == "str:\"\(sessionID)\"", "\(sessions)")
        #expect(sessions["0/client"] == #"str:"K-0077""#, "\(sessions)")
        #expect(sessions["0/plan"] == #"str:"jsonout""#, "\(sessions)")
        #expect(sessions["0/marks"]?.hasPrefix("int:") == true, "\(sessions)")
        #expect(sessions["0/warnings"] == "int:0", "\(sessions)")
        #expect(sessions["0/alerts"] == "int:0", "\(sessions)")
        #expect(sessions["0/length_seconds"]?.hasPrefix("float:") == true, "\(sessions)")
        #expect(sessions["0/dose_time"]?.hasPrefix("str:\"20") == true, "\(sessions)")

        let verify = try Self.python(try Self.inward(["--json", "verify", sessionID, "--state-dir", daemon.state], home: tmp.url), [
            "ok", "verified_lines", "first_seq", "head", "failure",
        ])
        #expect(verify["ok"] == "bool:true", "\(verify)")
        #expect(verify["verified_lines"]?.hasPrefix("int:") == true && verify["verified_lines"] != "int:0", "\(verify)")
        #expect(verify["first_seq"] == "int:1", "\(verify)")
        #expect(verify["head"]?.count == 4 + 2 + 64, "a SHA-256 in hex: \(verify)")
        #expect(verify["failure"] == "missing", "\(verify)")

        // --format json and --json are the same report.
        let review = try Self.inward(["review", sessionID, "--state-dir", daemon.state, "--format", "json"], home: tmp.url,
                                     oneLine: false)
        #expect(try Self.inward(["--json", "review", sessionID, "--state-dir", daemon.state], home: tmp.url, oneLine: false) == review)
        let events = try Self.python(review, ["events/#"])
        let count = try #require(events["events/#"].flatMap { Int($0.dropFirst(4)) }, "\(events)")
        let paths = (0..<count).flatMap { ["events/\($0)/kind", "events/\($0)/fields/text"] }
        let r = try Self.python(review, ["session/session_id", "session/client", "session/sample_rate"] + paths)
        #expect(r["session/session_id"] == "str:\"\(sessionID)\"", "\(r)")
        #expect(r["session/client"] == #"str:"K-0077""#, "\(r)")
        #expect(r["session/sample_rate"]?.hasPrefix("int:") == true, "\(r)")
        let noteEvent = (0..<count).first { r["events/\($0)/kind"] == #"str:"mark.note""# }
        let text = try #require(noteEvent.flatMap { r["events/\($0)/fields/text"] }, "no mark.note in the review: \(r)")
        #expect(text == "str:" + #""said \"the river\" \\ up/down\nthen\u0001 quiet, Kōji""#, "\(r)")
    }

    @Test("check --json on a good and a bad plan: Python reads it, numbers and lines with their types")
    func check() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("p.toml", PlanFixture(name: "typed", preamble: ["level_cap_db = -3", "[vitals]", "before_dose = true",
                                                                                 #"at = ["1m"]"#], phases: [
            .init("arrival", "until dose", level: -12, source: .soundscape(intensity: 0.3, seed: 3)),
            .init("peak", "10m", level: -12, maxExtend: "5m", source: .soundscape(intensity: 0.4, seed: 4)),
        ]).toml)
        let good = try Self.python(try Self.inward(["--json", "check", plan], home: tmp.url), [
            "valid", "name", "phases/#", "phases/1/duration", "phases/0/duration", "phases/1/max_extend", "level_cap_db",
            "loudness_target", "vitals/at_t0_seconds", "vitals/every_seconds", "warnings",
        ])
        #expect(good["valid"] == "bool:true", "\(good)")
        #expect(good["name"] == #"str:"typed""#, "\(good)")
        #expect(good["phases/#"] == "int:2", "\(good)")
        #expect(good["phases/0/duration"] == #"str:"until dose""#, "\(good)")
        #expect(good["phases/1/duration"] == "float:600.0", "\(good)")
        #expect(good["phases/1/max_extend"] == "float:300.0", "\(good)")
        #expect(good["level_cap_db"] == "float:-3.0", "\(good)")
        #expect(good["loudness_target"] == "NoneType:null", "\(good)")
        #expect(good["vitals/at_t0_seconds"] == "list:[60.0]", "\(good)")
        #expect(good["vitals/every_seconds"] == "NoneType:null", "\(good)")
        #expect(good["warnings"] == "list:[]", "\(good)")

        let bad = try tmp.write("bad.toml", "name = \"x\"\nroute = \"im\"\n[[phase]]\nname = \"a\"\nduration = \"zz\"\nsource = { kind = \"silence\" }\n")
        let r = try CLI.run(["--json", "check", bad], home: tmp.url)
        #expect(r.status == 1, "\(r)")
        let errors = try Self.python(r.stdout, ["valid", "errors/#", "errors/0/line", "errors/0/key", "errors/0/severity"])
        #expect(errors["valid"] == "bool:false", "\(errors)")
        #expect(errors["errors/#"] == "int:1", "\(errors)")
        #expect(errors["errors/0/line"] == "int:5", "\(errors)")
        #expect(errors["errors/0/key"] == #"str:"phase[1].duration""#, "\(errors)")
        #expect(errors["errors/0/severity"] == #"str:"error""#, "\(errors)")
    }
}
