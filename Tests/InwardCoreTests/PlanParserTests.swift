import Testing
@testable import InwardCore

private func parse(_ text: String, file: String = "plans/im.toml", folder: String = "/plans",
                   exists: @escaping (String) -> Bool = { _ in true }) throws(PlanInvalid) -> ParsedPlan {
    try PlanParser.parse(text, file: file, folder: folder, fileExists: exists)
}

/// The diagnostics of a plan that must not parse.
private func problems(_ text: String, exists: @escaping (String) -> Bool = { _ in true },
                      sourceLocation: SourceLocation = #_sourceLocation) -> [Diagnostic] {
    do {
        let parsed = try parse(text, exists: exists)
        Issue.record("expected PlanInvalid, got a plan with \(parsed.plan.phases.count) phases", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

private func errors(_ text: String, exists: @escaping (String) -> Bool = { _ in true }) -> [Diagnostic] {
    problems(text, exists: exists).filter { $0.severity == .error }
}

/// A valid one-phase plan with extra lines at the top level and in the phase.
private func plan(top: String = "", phase: String = "", source: String = "kind = \"silence\"") -> String {
    """
    name = "p"
    route = "iv"
    \(top)
    [[phase]]
    name = "a"
    duration = "10m"
    \(phase)
    [phase.source]
    \(source)
    """
}

@Suite struct PlanParserValidPlanTests {
    static let example = """
    name = "Intramuscular ketamine, 2 h"
    description = "Test plan"
    route = "im"
    level_cap_db = -3.0

    [defaults]
    fade_in = "20s"
    crossfade = "6s"

    [[phase]]
    name = "arrival"
    duration = "until dose"
    level_db = -20
    fade_out = "45s"
    [phase.source]
    kind = "soundscape"
    intensity = 0.3
    brightness = 0.4
    key = "Eb"
    scale = "dorian"
    seed = 7

    [[phase]]
    name = "onset"
    duration = "15m"
    max_extend = "10m"
    source = { kind = "playlist", path = "./music/../music/onset.m3u8" }

    [[phase]]
    name = "rest"
    duration = "1h30m"
    fade_in = "30s"
    level_db = -3
    [phase.source]
    kind = "silence"
    """

    @Test func parsesTheFullExample() throws {
        var asked: [String] = []
        let parsed = try PlanParser.parse(Self.example, file: "plans/im.toml", folder: "/plans") { asked.append($0); return true }
        #expect(parsed.warnings.isEmpty)
        #expect(asked == ["/plans/music/onset.m3u8"])
        let p = parsed.plan
        #expect(p.name == "Intramuscular ketamine, 2 h")
        #expect(p.description == "Test plan")
        #expect(p.route == .im)
        #expect(p.levelCapDB == -3)
        #expect(p.file == "plans/im.toml")
        #expect(p.untilDoseIndex == 0)
        #expect(p.phases == [
            Phase(name: "arrival", length: .untilDose,
                  source: .soundscape(SoundscapeParameters(intensity: 0.3, brightness: 0.4, root: 3, scale: .dorian, seed: 7)),
                  levelDB: -20, fadeIn: 20, fadeOut: 45, crossfade: 6, maxExtend: 0, line: 10),
            Phase(name: "onset", length: .fixed(900), source: .playlist(path: "/plans/music/onset.m3u8"),
                  levelDB: -12, fadeIn: 20, fadeOut: 10, crossfade: 6, maxExtend: 600, line: 23),
            Phase(name: "rest", length: .fixed(5400), source: .silence,
                  levelDB: -3, fadeIn: 30, fadeOut: 10, crossfade: 6, maxExtend: 0, line: 29),
        ])
    }

    @Test func appliesBuiltInDefaults() throws {
        let p = try parse(plan(source: "kind = \"soundscape\"")).plan
        #expect(p.description == "")
        #expect(p.levelCapDB == 0)
        #expect(p.phases[0] == Phase(name: "a", length: .fixed(600), source: .soundscape(SoundscapeParameters()),
                                     levelDB: -12, fadeIn: 10, fadeOut: 10, crossfade: 8, maxExtend: 0, line: 4))
    }

    @Test func defaultLevelStaysUnderALowCap() throws {
        let p = try parse(plan(top: "level_cap_db = -20")).plan
        #expect(p.phases[0].levelDB == -20)
    }

    @Test func vitalsScheduleIsReadWithItsTimes() throws {
        #expect(try parse(plan()).plan.vitals == nil)
        let p = try parse(plan(top: "[vitals]\nbefore_dose = true\nat = [\"40m\", \"1h30m\"]\nevery = \"15m\"\n")).plan
        #expect(p.vitals == VitalsSchedule(beforeDose: true, at: [2400, 5400], every: 900))
        #expect(p.phases.count == 1)
        let bad = errors(plan(top: "[vitals]\nevery = \"10s\"\nat = \"40m\"\nbefore = true\n"))
        #expect(Set(bad.compactMap(\.key)) == ["vitals.every", "vitals.at", "vitals.before"], "\(bad)")
    }

    @Test func loudnessTargetIsOptionalAndBounded() throws {
        #expect(try parse(plan()).plan.loudnessTarget == nil)
        #expect(try parse(plan(top: "loudness_target = -18")).plan.loudnessTarget == -18)
        #expect(try parse(plan(top: "loudness_target = -23.5")).plan.loudnessTarget == -23.5)
        let problems = errors(plan(top: "loudness_target = -5"))
        #expect(problems.count == 1)
        #expect(problems.first?.key == "loudness_target")
        #expect(problems.first?.line == 3, "\(problems)")
        #expect(problems.first?.message.contains("-40 to -10 LUFS") == true, "\(problems)")
        #expect(errors(plan(top: "loudness_target = \"loud\"")).first?.key == "loudness_target")
    }

    @Test func levelsAtTheLimitsAreAccepted() throws {
        #expect(try parse(plan(top: "level_cap_db = -6", phase: "level_db = -6")).plan.phases[0].levelDB == -6)
        #expect(try parse(plan(phase: "level_db = -60.0")).plan.phases[0].levelDB == -60)
        #expect(try parse(plan(top: "level_cap_db = 0", phase: "level_db = 0")).plan.phases[0].levelDB == 0)
    }

    @Test(arguments: ["until dose", "until-dose", "Until Dose"])
    func acceptsUntilDoseSpellings(_ text: String) throws {
        let p = try parse(plan().replacingFirst("duration = \"10m\"", with: "duration = \"\(text)\"")).plan
        #expect(p.phases[0].length == .untilDose)
    }

    @Test(arguments: [("C", 0), ("C#", 1), ("Db", 1), ("D", 2), ("F#", 6), ("Bb", 10), ("B", 11)])
    func readsSoundscapeKeys(_ key: String, _ root: Int) throws {
        let p = try parse(plan(source: "kind = \"soundscape\"\nkey = \"\(key)\"")).plan
        #expect(p.phases[0].source == .soundscape(SoundscapeParameters(root: root)))
    }

    @Test(arguments: Route.allCases)
    func readsEveryRoute(_ route: Route) throws {
        let text = plan().replacingFirst("route = \"iv\"", with: "route = \"\(route.rawValue)\"")
        #expect(try parse(text).plan.route == route)
    }

    @Test(arguments: Scale.allCases)
    func readsEveryScale(_ scale: Scale) throws {
        let p = try parse(plan(source: "kind = \"soundscape\"\nscale = \"\(scale.rawValue)\"")).plan
        #expect(p.phases[0].source == .soundscape(SoundscapeParameters(scale: scale)))
    }

    @Test func resolvesAbsoluteAndRelativePlaylistPaths() throws {
        let abs = try parse(plan(source: "kind = \"playlist\"\npath = \"/srv/music/a.m3u\"")).plan
        #expect(abs.phases[0].source == .playlist(path: "/srv/music/a.m3u"))
        let rel = try PlanParser.parse(plan(source: "kind = \"playlist\"\npath = \"../music/a.m3u\""),
                                       file: "p.toml", folder: "/srv/plans", fileExists: { $0 == "/srv/music/a.m3u" }).plan
        #expect(rel.phases[0].source == .playlist(path: "/srv/music/a.m3u"))
    }

    @Test func seedAcceptsLargeIntegers() throws {
        let p = try parse(plan(source: "kind = \"soundscape\"\nseed = 9223372036854775807")).plan
        #expect(p.phases[0].source == .soundscape(SoundscapeParameters(seed: 9_223_372_036_854_775_807)))
    }
}

@Suite struct PlanParserWarningTests {
    @Test func fadeLongerThanThePhaseWarns() throws {
        let parsed = try parse(plan(phase: "duration = \"20s\"\nfade_in = \"30s\"").replacingFirst("duration = \"10m\"\n", with: ""))
        #expect(parsed.warnings.count == 1)
        let w = try #require(parsed.warnings.first)
        #expect(w.severity == .warning)
        #expect(w.key == "phase[1].fade_in")
        #expect(w.line == 7)
        #expect(w.message.contains("longer than the phase itself (20s)"))
    }

    @Test func inheritedFadeOutLongerThanThePhaseWarnsAtThePhase() throws {
        let parsed = try parse(plan(top: "[defaults]\nfade_out = \"1m\"").replacingFirst("\"10m\"", with: "\"30s\""))
        #expect(parsed.warnings.map(\.key) == ["phase[1].fade_out"])
        #expect(parsed.warnings.first?.line == 5)
    }

    @Test func maxExtendOnAnUntilDosePhaseWarnsAndIsDropped() throws {
        let parsed = try parse(plan(phase: "max_extend = \"5m\"").replacingFirst("\"10m\"", with: "\"until dose\""))
        #expect(parsed.warnings.map(\.key) == ["phase[1].max_extend"])
        #expect(parsed.warnings.first?.message.contains("no effect") == true)
        #expect(parsed.plan.phases[0].maxExtend == 0)
    }

    @Test func keysOfAnotherSourceKindWarn() throws {
        let parsed = try parse(plan(source: "kind = \"playlist\"\npath = \"a.m3u\"\nintensity = 0.2"))
        #expect(parsed.warnings.map(\.key) == ["phase[1].source.intensity"])
        #expect(parsed.warnings.first?.message.contains("applies only to kind = \"soundscape\"") == true)
        let silence = try parse(plan(source: "kind = \"silence\"\npath = \"a.m3u\""))
        #expect(silence.warnings.map(\.key) == ["phase[1].source.path"])
    }

    @Test func warningsComeWithErrorsWhenThePlanIsInvalid() {
        let all = problems(plan(phase: "max_extend = \"5m\"\nlevel_db = 3").replacingFirst("\"10m\"", with: "\"until dose\""))
        #expect(all.map(\.severity) == [.error, .warning] || all.map(\.severity) == [.warning, .error])
        #expect(Set(all.compactMap(\.key)) == ["phase[1].max_extend", "phase[1].level_db"])
    }
}

@Suite struct PlanParserErrorTests {
    @Test func messageStyleMatchesCompilers() {
        let text = """
        name = "x"
        route = "im"
        level_cap_db = -3

        [[phase]]
        name = "arrival"
        duration = "until dose"
        [phase.source]
        kind = "silence"

        [[phase]]
        name = "onset"
        duration = "15m"
        level_db = -1
        source = { kind = "silence" }
        """
        let all = problems(text)
        #expect(all.map(\.description) == [
            "plans/im.toml:14: error: phase[2].level_db: -1 dB is above the plan's cap of -3 dB; lower level_db or raise level_cap_db",
        ])
    }

    @Test func tomlSyntaxErrorHasLineAndColumn() throws {
        let all = problems("name = \"x\"\nroute = \nlevel_cap_db = 0\n")
        let d = try #require(all.first)
        #expect(all.count == 1)
        #expect(d.line == 2)
        #expect(d.key == nil)
        #expect(d.message.hasPrefix("TOML syntax error at column"))
    }

    @Test func duplicateTomlKeyIsASyntaxError() {
        let all = problems("name = \"x\"\nname = \"y\"\n")
        #expect(all.first?.line == 2)
        #expect(all.first?.message.contains("TOML syntax error") == true)
    }

    @Test func collectsEveryProblemSortedByLine() {
        let text = """
        name = 3
        route = "oral"
        level_cap_db = 2

        [[phase]]
        name = "a"
        duration = "forever"
        level_db = "loud"
        fade_inn = "3s"
        [phase.source]
        kind = "soundscape"
        intensity = 1.5

        [[phase]]
        name = "a"
        duration = "until dose"
        source = { kind = "playlist" }
        """
        let all = problems(text)
        #expect(all.map(\.key) == [
            "name", "route", "level_cap_db", "phase[1].duration", "phase[1].level_db", "phase[1].fade_inn",
            "phase[1].source.intensity", "phase[2].name", "phase[2].source.path",
        ])
        #expect(all.map(\.line) == [1, 2, 3, 7, 8, 9, 12, 15, 17])
        #expect(all.map { $0.line ?? 0 } == all.map { $0.line ?? 0 }.sorted())
        #expect(all.allSatisfy { $0.severity == .error && $0.file == "plans/im.toml" })
        #expect(all.first { $0.key == "phase[2].source.path" }?.line == 17)
    }

    @Test func unknownKeysSuggestTheNearestKnownOne() {
        let phase = errors(plan(phase: "fade_inn = \"3s\""))
        #expect(phase.map(\.key) == ["phase[1].fade_inn"])
        #expect(phase.first?.message == "unknown key \"fade_inn\"; did you mean fade_in?")
        #expect(phase.first?.line == 7)
        let source = errors(plan(source: "kind = \"soundscape\"\nintensty = 0.2"))
        #expect(source.first?.message.contains("did you mean intensity?") == true)
        #expect(source.first?.key == "phase[1].source.intensty")
        let defaults = errors(plan(top: "[defaults]\ncrosfade = \"2s\""))
        #expect(defaults.first?.message.contains("did you mean crossfade?") == true)
        let top = errors(plan(top: "nmae = \"x\""))
        #expect(top.first?.message.contains("did you mean name?") == true)
    }

    @Test func unknownKeyWithoutANearOneListsTheKnownKeys() {
        let all = errors(plan(top: "colour = \"blue\""))
        #expect(all.first?.message.contains("known keys here: name, description, route") == true)
    }

    @Test func keysInTheWrongTableSayWhereTheyBelong() {
        #expect(errors(plan(top: "level_db = -10")).first?.message.contains("belongs in [defaults] or in a [[phase]]") == true)
        #expect(errors(plan(top: "[defaults]\nname = \"x\"")).first?.message.contains("cannot have a default") == true)
        #expect(errors(plan(top: "[defaults]\nsource = { kind = \"silence\" }")).first?.message.contains("cannot have a default") == true)
        #expect(errors(plan(phase: "kind = \"silence\"")).first?.message.contains("belongs in the phase's source table") == true)
        #expect(errors(plan(phase: "route = \"im\"")).first?.message.contains("belongs at the top of the plan") == true)
        #expect(errors(plan(source: "kind = \"silence\"\nlevel_db = -3")).first?.message.contains("belongs in a [[phase]]") == true)
    }

    @Test func wrongTypesNameTheExpectedAndActualType() {
        #expect(errors(plan(phase: "level_db = \"loud\"")).first?.message == "level_db must be a number, got string \"loud\"")
        #expect(errors(plan().replacingFirst("name = \"p\"", with: "name = 3")).first?.message == "name must be a string, got integer 3")
        #expect(errors(plan(top: "description = true")).first?.message == "description must be a string, got boolean true")
        #expect(errors(plan(top: "level_cap_db = [1]")).first?.message == "level_cap_db must be a number, got an array")
        #expect(errors(plan(source: "kind = \"soundscape\"\nseed = 1.5")).first?.message == "seed must be an integer, got number 1.5")
        #expect(errors(plan(source: "kind = 1")).first?.message == "kind must be a string, got integer 1")
        #expect(errors(plan(source: "kind = \"playlist\"\npath = 5")).first?.message == "path must be a string, got integer 5")
    }

    @Test func numericDurationAsksForAUnit() throws {
        let d = try #require(errors(plan(phase: "fade_in = 30")).first)
        #expect(d.key == "phase[1].fade_in")
        #expect(d.message.contains("must be a duration text like \"90s\""))
        #expect(d.message.hasSuffix("got integer 30; add a unit, e.g. \"30s\""))
    }

    @Test func tablesOfTheWrongShape() {
        #expect(errors(plan(top: "defaults = 1")).first?.message.contains("defaults must be a table") == true)
        let onePhase = errors("name = \"p\"\nroute = \"im\"\n[phase]\nname = \"a\"\n")
        #expect(onePhase.first?.key == "phase")
        #expect(onePhase.first?.message.contains("write [[phase]] (two brackets)") == true)
        #expect(onePhase.first?.line == 3)
        let notTables = errors("name = \"p\"\nroute = \"im\"\nphase = [1, 2]\n")
        #expect(notTables.map(\.key) == ["phase[1]", "phase[2]"])
        #expect(notTables.first?.message.contains("each phase must be a table") == true)
        let source = errors(plan(phase: "source = \"silence\"").replacingFirst("[phase.source]\nkind = \"silence\"", with: ""))
        #expect(source.first?.message.contains("source must be a table") == true)
    }

    @Test func badDurationsSayTheAcceptedForms() {
        let phase = errors(plan().replacingFirst("\"10m\"", with: "\"1x\""))
        #expect(phase.first?.key == "phase[1].duration")
        #expect(phase.first?.message == "\"1x\" is not a duration; write it like \"90s\", \"15m\", \"1h30m\" or \"2m30s\" (units h, m, s), or \"until dose\"")
        let fade = errors(plan(phase: "crossfade = \"abc\""))
        #expect(fade.first?.message == "\"abc\" is not a duration; write it like \"90s\", \"15m\", \"1h30m\" or \"2m30s\" (units h, m, s)")
    }

    @Test func negativeValuesAreRejected() {
        #expect(errors(plan(phase: "fade_out = \"-3m\"")).first?.message == "fade_out cannot be negative, got \"-3m\"")
        #expect(errors(plan(phase: "max_extend = \" -1s\"")).first?.key == "phase[1].max_extend")
        #expect(errors(plan(source: "kind = \"soundscape\"\nseed = -1")).first?.message == "seed cannot be negative, got -1")
        #expect(errors(plan(source: "kind = \"soundscape\"\nbrightness = -0.1")).first?.message == "brightness must be between 0 and 1, got -0.1")
    }

    @Test func zeroLengthPhaseIsAnError() {
        let all = errors(plan().replacingFirst("\"10m\"", with: "\"0s\""))
        #expect(all.first?.message == "a phase must last longer than 0s")
    }

    @Test func levelLimits() {
        let high = errors(plan(top: "level_cap_db = -6", phase: "level_db = -5.5"))
        #expect(high.first?.message == "-5.5 dB is above the plan's cap of -6 dB; lower level_db or raise level_cap_db")
        let low = errors(plan(phase: "level_db = -70"))
        #expect(low.first?.message.hasPrefix("-70 dB is below the quietest allowed level of -60 dB") == true)
        let cap = errors(plan(top: "level_cap_db = 0.5"))
        #expect(cap.map(\.key) == ["level_cap_db"])
        #expect(cap.first?.message == "0.5 dB is above 0 dBFS; the cap must be 0 or lower")
        #expect(errors(plan(top: "level_cap_db = -61")).first?.message.contains("below the quietest") == true)
        #expect(errors(plan(phase: "level_db = nan")).first?.message == "level_db must be a finite number, got nan")
        #expect(errors(plan(phase: "level_db = inf")).first?.key == "phase[1].level_db")
    }

    @Test func defaultLevelAboveTheCapIsReportedOnceAtDefaults() {
        let all = errors(plan(top: "level_cap_db = -10\n[defaults]\nlevel_db = -3") + "\n[[phase]]\nname = \"b\"\nduration = \"1m\"\nsource = { kind = \"silence\" }")
        #expect(all.map(\.key) == ["defaults.level_db"])
        #expect(all.first?.line == 5)
    }

    @Test func aPlanNeedsPhases() {
        let none = errors("name = \"p\"\nroute = \"im\"\n")
        #expect(none.count == 1)
        #expect(none.first?.message == "a plan needs at least one [[phase]]")
        #expect(none.first?.key == nil)
        let empty = errors("name = \"p\"\nroute = \"im\"\nphase = []\n")
        #expect(empty.first?.message == "a plan needs at least one [[phase]]")
        #expect(empty.first?.line == 3)
    }

    @Test func missingRequiredKeysPointAtTheirTable() {
        let text = """
        description = "no name, no route"

        [[phase]]
        level_db = -20

        [[phase]]
        name = "b"
        duration = "5m"
        [phase.source]
        seed = 3
        """
        let all = errors(text)
        let byKey = Dictionary(all.map { ($0.key ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byKey.keys) == ["name", "route", "phase[1].name", "phase[1].duration", "phase[1].source", "phase[2].source.kind"])
        #expect(byKey["name"]?.line == nil)
        #expect(byKey["phase[1].duration"]?.line == 3)
        #expect(byKey["phase[1].source"]?.line == 3)
        #expect(byKey["phase[1].source"]?.message.contains("every phase needs a source") == true)
        #expect(byKey["phase[2].source.kind"]?.line == 9)
        #expect(byKey["route"]?.message.contains("\"im\", \"iv\", \"sublingual\", \"intranasal\" or \"other\"") == true)
    }

    @Test func emptyPhaseNameIsAnError() {
        #expect(errors(plan().replacingFirst("name = \"a\"", with: "name = \"\"")).first?.message == "a phase name cannot be empty")
    }

    @Test func duplicatePhaseNames() {
        let all = errors(plan() + "\n[[phase]]\nname = \"a\"\nduration = \"1m\"\nsource = { kind = \"silence\" }")
        #expect(all.map(\.key) == ["phase[2].name"])
        #expect(all.first?.message == "\"a\" is already the name of phase[1]; phase names must be unique")
        #expect(all.first?.line == 11)
    }

    @Test func onlyOneUntilDosePhase() {
        let text = plan().replacingFirst("\"10m\"", with: "\"until dose\"")
            + "\n[[phase]]\nname = \"b\"\nduration = \"until-dose\"\nsource = { kind = \"silence\" }"
        let all = errors(text)
        #expect(all.map(\.key) == ["phase[2].duration"])
        #expect(all.first?.message == "only one phase can last \"until dose\", and phase[1] already does")
        #expect(all.first?.line == 12)
    }

    @Test func unknownNamesSuggestTheNearestOne() {
        #expect(errors(plan().replacingFirst("\"iv\"", with: "\"imm\"")).first?.message
            == "unknown route \"imm\" (did you mean \"im\"?); use one of \"im\", \"iv\", \"sublingual\", \"intranasal\" or \"other\"")
        #expect(errors(plan(source: "kind = \"playlst\"")).first?.message
            == "unknown kind \"playlst\" (did you mean \"playlist\"?); use one of \"soundscape\", \"playlist\" or \"silence\"")
        #expect(errors(plan(source: "kind = \"soundscape\"\nscale = \"minr\"")).first?.message.contains("did you mean \"minor\"?") == true)
        let key = errors(plan(source: "kind = \"soundscape\"\nkey = \"H\""))
        #expect(key.first?.key == "phase[1].source.key")
        #expect(key.first?.message.hasPrefix("unknown musical key \"H\"; use a pitch name: C, C#, Db") == true)
    }

    @Test func intensityAndBrightnessMustBeWithinZeroToOne() {
        let all = errors(plan(source: "kind = \"soundscape\"\nintensity = 1.5\nbrightness = 2"))
        #expect(all.map(\.message) == ["intensity must be between 0 and 1, got 1.5", "brightness must be between 0 and 1, got 2"])
        #expect(all.map(\.line) == [10, 11])
    }

    @Test func inlineSourceProblemsPointAtTheirLine() {
        let text = plan(phase: "source = { kind = \"soundscape\", intensity = 2 }").replacingFirst("[phase.source]\nkind = \"silence\"", with: "")
        let all = errors(text)
        #expect(all.map(\.key) == ["phase[1].source.intensity"])
        #expect(all.first?.line == 7)
    }

    @Test func playlistNeedsAPath() {
        let all = errors(plan(source: "kind = \"playlist\""))
        #expect(all.map(\.key) == ["phase[1].source.path"])
        #expect(all.first?.line == 8)
        #expect(all.first?.message.hasPrefix("missing: a playlist source needs path = \"...\"") == true)
        #expect(errors(plan(source: "kind = \"playlist\"\npath = \"\"")).first?.message == "path cannot be empty")
    }

    @Test func missingPlaylistFileIsAnError() {
        let all = errors(plan(source: "kind = \"playlist\"\npath = \"music/x.m3u8\""), exists: { _ in false })
        #expect(all.map(\.key) == ["phase[1].source.path"])
        #expect(all.first?.message == "playlist file not found: music/x.m3u8 (looked for /plans/music/x.m3u8)")
        #expect(all.first?.line == 10)
        let absolute = errors(plan(source: "kind = \"playlist\"\npath = \"/m/x.m3u8\""), exists: { _ in false })
        #expect(absolute.first?.message == "playlist file not found: /m/x.m3u8")
    }

    /// A fade of 3e12 h trapped while its warning printed it, and two phases of 5.2e10 h
    /// overflowed the timeline's frame count (Fuzz/Regressions/plan).
    @Test func durationsAreAtMost24Hours() throws {
        #expect(try parse(plan(phase: "fade_in = \"24h\"\nmax_extend = \"23h59m60s\"")).plan.phases[0].fadeIn == 86400)
        let all = errors(plan(phase: "fade_in = \"3000000000000h\"\nmax_extend = \"24h 0.001s\""))
        #expect(all.map(\.key) == ["phase[1].fade_in", "phase[1].max_extend"])
        #expect(all.first?.message == "fade_in of \"3000000000000h\" is longer than 24h, the longest a plan may ask for")
        #expect(errors(plan().replacingFirst("\"10m\"", with: "\"52000000000h\"")).map(\.key) == ["phase[1].duration"])
        #expect(errors(plan(top: "[vitals]\nat = [\"25h\"]")).map(\.key) == ["vitals.at[0]"])
    }
}

extension String {
    /// The text with the first occurrence of `target` replaced (test helper).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
