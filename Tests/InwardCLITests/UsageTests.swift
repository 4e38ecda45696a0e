import Foundation
import Testing

@Suite("usage errors, help, devices")
struct UsageTests {
    @Test("neither --out nor --device, or both: a usage error")
    func outOrDevice() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        for extra in [[String](), ["--out", tmp.file("x.wav"), "--device", "null"]] {
            let r = try CLI.run(["render", plan] + extra, home: tmp.url)
            #expect(r.status != 0, "\(extra): \(r)")
            #expect(r.stderrHas("exactly one of --out"), "\(extra): \(r)")
            #expect(r.stdoutIsEmpty, "\(r)")
        }
        #expect(!FileManager.default.fileExists(atPath: tmp.file("x.wav")))
    }

    @Test("a bad --dose-at is a clear error, and no output file is left behind")
    func badDoseAt() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let out = tmp.file("x.wav")
        let r = try CLI.run(["render", plan, "--dose-at", "abc", "--out", out], home: tmp.url)
        #expect(r.status != 0, "\(r)")
        #expect(r.stderrHas("--dose-at"), "\(r)")
        #expect(r.stderrHas("'abc'"), "\(r)")
        #expect(r.stderrHas("not a duration"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out), "render left \(out) behind")

        let c = try CLI.run(["check", plan, "--dose-at", "abc"], home: tmp.url)
        #expect(c.status != 0, "\(c)")
        #expect(c.stderrHas("not a duration"), "\(c)")
    }

    @Test("a bad --rate or --format is a usage error")
    func badRateOrFormat() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let rate = try CLI.run(["render", plan, "--out", tmp.file("x.wav"), "--rate", "100"], home: tmp.url)
        #expect(rate.status != 0, "\(rate)")
        #expect(rate.stderrHas("--rate 100"), "\(rate)")
        let format = try CLI.run(["render", plan, "--out", tmp.file("x.wav"), "--format", "mp3"], home: tmp.url)
        #expect(format.status != 0, "\(format)")
        #expect(format.stderrHas("mp3"), "\(format)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("x.wav")))
    }

    @Test("a missing plan file: exit 1 naming the file", arguments: ["check", "render"])
    func missingPlan(command: String) throws {
        let tmp = try TempDir()
        let missing = tmp.file("nosuch-plan.toml")
        var args = [command, missing]
        if command == "render" { args += ["--out", tmp.file("x.wav")] }
        let r = try CLI.run(args, home: tmp.url)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas(missing), "\(r)")
        #expect(r.stderrHas("cannot read the plan"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("x.wav")))
    }

    @Test("devices --json is an array with the null PCM")
    func devices() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["devices", "--json"], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        let list = try #require(r.json as? [[String: Any]], "not a JSON array of objects: \(r)")
        #expect(list.contains { $0["name"] as? String == "null" }, "names: \(list.compactMap { $0["name"] as? String }.prefix(20))")
        #expect(list.allSatisfy { $0["description"] is String })
        let t = try CLI.run(["devices"], home: tmp.url)
        #expect(t.status == 0, "\(t)")
        let listsNull = t.stdout.split(separator: "\n").contains("null")
        #expect(listsNull, "\(t)")
    }

    @Test("--help names the commands")
    func help() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["--help"], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        for word in ["check", "render", "devices", "USAGE"] {
            #expect(r.stdoutHas(word), "'\(word)' not in --help\n\(r)")
        }
    }

    @Test("render --help names its options")
    func renderHelp() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["render", "--help"], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        for word in ["--out", "--device", "--dose-at", "--rate", "--format", "--quality", "--json", "<plan>"] {
            #expect(r.stdoutHas(word), "'\(word)' not in render --help\n\(r)")
        }
    }

    @Test("--generate-completion-script bash prints a completion script")
    func completion() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["--generate-completion-script", "bash"], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas("complete -o filenames -F _inward inward"), "\(r)")
        #expect(r.stdoutHas("inward"), "\(r)")
        for word in ["check", "render", "devices", "--dose-at", "--device"] {
            #expect(r.stdoutHas(word), "'\(word)' not in the bash completion script")
        }
    }

    @Test("an unknown command is a usage error")
    func unknownCommand() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["frobnicate"], home: tmp.url)
        #expect(r.status != 0, "\(r)")
        #expect(r.stderrHas("frobnicate"), "\(r)")
    }
}
