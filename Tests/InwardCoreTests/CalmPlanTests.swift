import Testing
@testable import InwardCore

/// `[calm]` in a plan: read, checked, and every refusal says what to write.
@Suite struct CalmPlanTests {
    func parse(_ calm: String) throws(PlanInvalid) -> Plan { try OnePhasePlan.parse("level_cap_db = -3\n" + calm) }

    func errors(_ calm: String) -> [String] { OnePhasePlan.errors("level_cap_db = -3\n" + calm) }

    @Test func readsCalm() throws {
        let plan = try parse("""
            [calm]
            level_db = -24
            crossfade = "5s"
            source = { kind = "soundscape", intensity = 0.15, brightness = 0.3, seed = 90 }
            """)
        let calm = try #require(plan.calm)
        #expect(calm.levelDB == -24 && calm.crossfade == 5)
        #expect(calm.source == .soundscape(SoundscapeParameters(intensity: 0.15, brightness: 0.3, root: 2, scale: .major, seed: 90)))
        #expect(try parse("").calm == nil)
    }

    @Test func refusals() {
        #expect(errors("[calm]\nsource = { kind = \"soundscape\" }").contains { $0.contains("calm needs level_db") })
        #expect(errors("[calm]\nlevel_db = -24").contains { $0.contains("calm needs a source") })
        #expect(errors("[calm]\nlevel_db = 0\nsource = { kind = \"soundscape\" }").contains { $0.hasPrefix("calm.level_db") && $0.contains("cap of -3") })
        #expect(errors("[calm]\nlevel_db = -24\ncrossfade = \"12s\"\nsource = { kind = \"soundscape\" }")
            .contains { $0.hasPrefix("calm.crossfade") && $0.contains("within 8 s") })
        #expect(errors("[calm]\nlevel_db = -24\nsource = { kind = \"silence\" }").contains { $0.hasPrefix("calm.source") && $0.contains("soundscape") })
        #expect(errors("[calm]\nlevel = -24\nlevel_db = -24\nsource = { kind = \"soundscape\" }").contains { $0.contains("unknown key \"level\"") })
        #expect(errors("calm = 3").contains { $0.contains("calm must be a table") })
    }
}

/// A playlist calm, written as a phase's playlist source.
@Suite struct CalmPlaylistPlanTests {
    static func text(_ source: String) -> String {
        """
        name = "p"
        route = "iv"
        [calm]
        level_db = -24
        source = \(source)
        [[phase]]
        name = "a"
        duration = "10m"
        source = { kind = "silence" }
        """
    }

    @Test func readsPlaylistCalm() throws {
        let plan = try PlanParser.parse(Self.text(#"{ kind = "playlist", path = "music/calm.m3u8" }"#), file: "p.toml",
                                        folder: "/plans", fileExists: { $0 == "/plans/music/calm.m3u8" }).plan
        let calm = try #require(plan.calm)
        #expect(calm.source == .playlist(path: "/plans/music/calm.m3u8") && calm.levelDB == -24 && calm.line == 5)
    }

    @Test func missingPlaylistIsAnErrorAtItsLine() {
        do {
            _ = try PlanParser.parse(Self.text(#"{ kind = "playlist", path = "calm.m3u8" }"#), file: "p.toml",
                                     folder: "/plans", fileExists: { _ in false })
            Issue.record("a missing calm playlist was accepted")
        } catch {
            let e = error.diagnostics.first { $0.severity == .error }
            #expect(e?.description == "p.toml:5: error: calm.source.path: playlist file not found: calm.m3u8 (looked for /plans/calm.m3u8)",
                    "\(error)")
        }
    }

    @Test func emptyPathAndSilenceAreErrors() {
        for (source, wanted) in [(#"{ kind = "playlist", path = "" }"#, "path cannot be empty"),
                                 (#"{ kind = "playlist" }"#, "needs path"),
                                 (#"{ kind = "silence" }"#, "calm is never silence")] {
            do {
                _ = try PlanParser.parse(Self.text(source), file: "p.toml", folder: "/plans", fileExists: { _ in true })
                Issue.record("\(source) was accepted")
            } catch {
                #expect(error.diagnostics.contains { $0.severity == .error && $0.message.contains(wanted) }, "\(error)")
            }
        }
    }
}
