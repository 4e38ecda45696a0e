import Foundation
import Testing

/// A valid plan; each bad case changes one line of it.
let basePlanLines = [
    #"name = "Test plan""#,                               // 1
    #"route = "im""#,                                      // 2
    #"level_cap_db = -6"#,                                 // 3
    #""#,                                                  // 4
    #"[[phase]]"#,                                         // 5
    #"name = "arrival""#,                                  // 6
    #"duration = "until dose""#,                           // 7
    #"level_db = -20"#,                                    // 8
    #"source = { kind = "soundscape", seed = 3 }"#,        // 9
    #""#,                                                  // 10
    #"[[phase]]"#,                                         // 11
    #"name = "onset""#,                                    // 12
    #"duration = "10s""#,                                  // 13
    #"level_db = -14"#,                                    // 14
    #"source = { kind = "soundscape", seed = 4 }"#,        // 15
]

func planText(replacing edits: [Int: String]) -> String {
    basePlanLines.enumerated().map { i, line in edits[i + 1] ?? line }.joined(separator: "\n") + "\n"
}

struct BadPlan: CustomStringConvertible, Sendable {
    var description: String
    var text: String
    /// The line the error must be reported on (nil: no line).
    var line: Int?
    var key: String?
    /// Words the message must contain.
    var fragments: [String]
}

let badPlans: [BadPlan] = [
    BadPlan(description: "unknown key", text: planText(replacing: [14: "levl_db = -14"]),
            line: 14, key: "phase[2].levl_db", fragments: ["did you mean", "level_db"]),
    BadPlan(description: "bad duration", text: planText(replacing: [13: #"duration = "10 minutes""#]),
            line: 13, key: "phase[2].duration", fragments: ["10 minutes"]),
    BadPlan(description: "bare number duration", text: planText(replacing: [13: "duration = 30"]),
            line: 13, key: "phase[2].duration", fragments: []),
    BadPlan(description: "level above cap", text: planText(replacing: [14: "level_db = -1"]),
            line: 14, key: "phase[2].level_db", fragments: ["cap"]),
    BadPlan(description: "missing playlist file",
            text: planText(replacing: [15: #"source = { kind = "playlist", path = "nosuch.m3u8" }"#]),
            line: 15, key: "phase[2].source.path", fragments: ["nosuch.m3u8"]),
    BadPlan(description: "zero phases", text: basePlanLines[0..<3].joined(separator: "\n") + "\n",
            line: nil, key: nil, fragments: ["at least one [[phase]]"]),
    BadPlan(description: "TOML syntax error", text: planText(replacing: [13: #"duration = "10s"#]),
            line: 13, key: nil, fragments: []),
    BadPlan(description: "duplicate phase name", text: planText(replacing: [12: #"name = "arrival""#]),
            line: 12, key: "phase[2].name", fragments: ["arrival", "phase[1]"]),
    BadPlan(description: "wrong type", text: planText(replacing: [14: #"level_db = "loud""#]),
            line: 14, key: "phase[2].level_db", fragments: ["number", "loud"]),
]

@Suite("inward check on bad plans")
struct CheckErrorTests {
    @Test("the base plan of the bad cases is valid")
    func baseIsValid() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", planText(replacing: [:]))
        let r = try CLI.run(["check", plan], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderrIsEmpty, "\(r)")
    }

    @Test("exit 1 and FILE:LINE: error: KEY on stderr", arguments: badPlans)
    func badPlan(_ bad: BadPlan) throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", bad.text)
        let r = try CLI.run(["check", plan], home: tmp.url)
        #expect(r.status == 1, "\(r)")
        let errorLines = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        let prefix = bad.line.map { "plan.toml:\($0): error: " } ?? "plan.toml: error: "
        let matching = errorLines.filter { line in line.contains(prefix) && (bad.key.map { k in line.contains("error: \(k): ") } ?? true) }
        #expect(!matching.isEmpty, "expected '\(prefix)\(bad.key.map { "\($0): " } ?? "")' in\n\(r)")
        for fragment in bad.fragments {
            #expect(matching.contains { $0.contains(fragment) }, "'\(fragment)' not in the message\n\(r)")
        }
        #expect(r.stderrHas("cannot be played"), "\(r)")
    }

    @Test("--json on a bad plan: valid=false, errors with line and key")
    func badPlanJSON() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", planText(replacing: [14: "level_db = -1", 12: #"name = "arrival""#]))
        let r = try CLI.run(["--json", "check", plan], home: tmp.url)
        #expect(r.status == 1, "\(r)")
        let object = try #require(r.json as? [String: Any], "not JSON: \(r)")
        #expect(object["valid"] as? Bool == false)
        let errors = try #require(object["errors"] as? [[String: Any]], "no errors list: \(r)")
        #expect(errors.count == 2, "\(r)")
        let byKey = Dictionary(errors.map { ($0["key"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
        #expect((byKey["phase[2].level_db"]?["line"] as? NSNumber)?.intValue == 14, "\(r)")
        #expect((byKey["phase[2].name"]?["line"] as? NSNumber)?.intValue == 12, "\(r)")
        for e in errors {
            #expect(e["severity"] as? String == "error")
            #expect((e["file"] as? String)?.hasSuffix("plan.toml") == true)
            #expect((e["message"] as? String)?.isEmpty == false)
        }
    }

    @Test("a missing playlist entry is a warning naming the playlist and its line")
    func missingPlaylistEntry() throws {
        let tmp = try TempDir()
        try SoundFileInfo.writeSine(tmp.file("good.wav"), seconds: 1)
        try tmp.write("list.m3u8", "#EXTM3U\ngood.wav\n#EXTINF:10,Someone - Gone\nmissing.flac\n")
        let plan = try tmp.write("plan.toml", planText(replacing: [15: #"source = { kind = "playlist", path = "list.m3u8" }"#]))
        let r = try CLI.run(["check", plan], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        let warning = r.stderr.split(separator: "\n").first { $0.contains("list.m3u8:4:") }
        #expect(warning?.contains("warning") == true, "no 'list.m3u8:4: warning' on stderr\n\(r)")
        #expect(warning?.contains("missing.flac") == true, "\(r)")
        #expect(r.stdoutHas("1 warning"), "\(r)")

        let j = try CLI.run(["check", plan, "--json"], home: tmp.url)
        #expect(j.status == 0, "\(j)")
        let object = try #require(j.json as? [String: Any], "not JSON: \(j)")
        let warnings = try #require(object["warnings"] as? [[String: Any]])
        #expect(warnings.count == 1)
        #expect((warnings.first?["file"] as? String)?.hasSuffix("list.m3u8") == true)
        #expect((warnings.first?["line"] as? NSNumber)?.intValue == 4)
    }
}
