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
    }
}
