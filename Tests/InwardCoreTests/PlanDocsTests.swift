import Foundation
import Testing
@testable import InwardCore

/// Keeps the annotated example in docs/plans.md honest: it must parse as documented.
@Suite struct PlanDocsTests {
    @Test func annotatedExampleParses() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/plans.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "```toml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let toml = String(text[start.upperBound..<end.lowerBound])
        var asked: [String] = []
        let parsed = try PlanParser.parse(toml, file: "docs.toml", folder: "/plans") { asked.append($0); return true }
        #expect(parsed.warnings.isEmpty)
        #expect(asked == ["/plans/music/onset.m3u8"])
        let p = parsed.plan
        #expect(p.route == .im)
        #expect(p.levelCapDB == -3)
        #expect(p.phases.map(\.name) == ["arrival", "onset", "return"])
        #expect(p.phases.map(\.length) == [.untilDose, .fixed(900), .fixed(4500)])
        #expect(p.phases.map(\.fadeIn) == [20, 20, 20])
        #expect(p.phases.map(\.fadeOut) == [45, 10, 120])
        #expect(p.phases.map(\.levelDB) == [-20, -12, -14])
        #expect(p.phases.map(\.maxExtend) == [0, 600, 0])
        #expect(p.phases[0].source == .soundscape(SoundscapeParameters(intensity: 0.3, brightness: 0.4, root: 2, scale: .major, seed: 7)))
        #expect(p.phases[2].source == .silence)
        #expect(p.vitalAlerts.overrides == [.systolicMax: 150, .spo2Min: 93])
        #expect(p.minAftercareAfterDose == 5400)
    }

    static func doc(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The cells of the table row that starts with `| \`key\` |`.
    static func row(_ key: String, in text: String) -> [String]? {
        text.split(separator: "\n").first { $0.hasPrefix("| `\(key)` |") }.map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Every alert limit is documented with the default the code has, in both docs.
    @Test func everyAlertLimitIsDocumentedWithItsDefault() throws {
        let clinical = try Self.doc("clinical-defaults.md"), plans = try Self.doc("plans.md")
        for limit in VitalLimit.allCases {
            let shown = MarkFieldValue.show(limit.defaultValue)
            #expect(Self.row(limit.rawValue, in: clinical)?[1] == shown, "clinical-defaults.md: \(limit.rawValue)")
            #expect(Self.row(limit.rawValue, in: plans)?[1] == "`\(shown)`", "plans.md: \(limit.rawValue)")
            let rule = limit.bound == .high ? "≥ \(shown)" : "< \(shown)"
            #expect(Self.row(limit.rawValue, in: clinical)?[2].contains(rule) == true, "clinical-defaults.md: \(limit.rawValue) \(rule)")
        }
    }

    /// Every field is documented with its short names and the range the code accepts.
    @Test func everyVitalFieldIsDocumentedWithItsRange() throws {
        let clinical = try Self.doc("clinical-defaults.md")
        for field in VitalField.allCases {
            let cells = try #require(Self.row(field.rawValue, in: clinical), "no row for \(field.rawValue)")
            let aliases = VitalField.aliases.filter { $0.value == field }.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")
            #expect(cells[1] == aliases, "\(field.rawValue)")
            #expect(cells[2] == field.unit, "\(field.rawValue)")
            #expect(cells[3] == "\(MarkFieldValue.show(field.possible.lowerBound)) to \(MarkFieldValue.show(field.possible.upperBound))", "\(field.rawValue)")
        }
    }
}
