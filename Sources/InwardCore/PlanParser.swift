import TOMLKit

/// Reads a session plan from TOML text (format: docs/plans.md) and validates it.
///
/// Pure: the caller reads the file and injects `fileExists` for playlist checks.
/// Validation does not stop at the first problem: every error and warning found is
/// reported, each with the file, the 1-based line of its key (or of the enclosing
/// table when the key is missing) and a key path such as `phase[2].level_db`, where
/// phases are numbered from 1 in file order.
public enum PlanParser {
    /// The smallest level a phase may have, dB.
    public static let minimumLevelDB: Double = -60
    /// The longest duration a plan may give (a phase, a fade, a hold, a vitals time), seconds.
    public static let longestDuration: Double = 24 * 3600
    /// Loudness targets a plan may ask for (LUFS).
    public static let loudnessTargets: ClosedRange<Double> = -40 ... -10

    /// Parses and validates `text`.
    ///
    /// - Parameters:
    ///   - file: the plan's path as the user named it (used in messages only).
    ///   - folder: the plan's folder; relative playlist paths are joined onto it.
    ///   - fileExists: whether a (resolved) playlist path exists.
    /// - Throws: `PlanInvalid` with every error found, and any warnings, sorted by line.
    public static func parse(_ text: String, file: String, folder: String,
                             fileExists: (String) -> Bool) throws(PlanInvalid) -> ParsedPlan {
        if let problem = TOMLPreflight.problem(in: text) {
            throw PlanInvalid([Diagnostic(.error, file: file, line: problem.line,
                                          message: "TOML syntax error at column \(problem.column): \(problem.message)")])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let at = error.source.begin
            throw PlanInvalid([Diagnostic(.error, file: file, line: at.line,
                                          message: "TOML syntax error at column \(at.column): \(error.description)")])
        } catch {
            throw PlanInvalid([Diagnostic(.error, file: file, message: "TOML syntax error: \(error)")])
        }
        let locator = PlanKeyLocator(text: text)
        let (plan, diagnostics) = withoutActuallyEscaping(fileExists) { fileExists in
            var reader = PlanReader(file: file, folder: folder, locator: locator, fileExists: fileExists)
            let plan = reader.read(root)
            return (plan, reader.sortedDiagnostics())
        }
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw PlanInvalid(diagnostics)
        }
        return ParsedPlan(plan: plan, warnings: diagnostics)
    }
}

/// The keys a plan may contain, by table.
enum PlanKeys {
    static let top = ["name", "description", "route", "level_cap_db", "loudness_target", "vitals", "aftercare", "dose", "defaults", "phase", "calm", "headphones_off"]
    static let calm = ["level_db", "crossfade", "source"]
    static let headphonesOff = ["raise_db", "output"]
    static let vitals = ["before_dose", "at", "every", "alerts"]
    static let vitalAlerts = VitalLimit.allCases.map(\.rawValue)
    static let aftercare = ["min_after_dose"]
    static let dose = ["amount_per_device"]
    static let phase = ["name", "duration", "level_db", "fade_in", "fade_out", "crossfade", "max_extend", "source"]
    static let defaults = ["level_db", "fade_in", "fade_out", "crossfade", "max_extend"]
    static let source = ["kind", "intensity", "brightness", "key", "scale", "seed", "path"]
    static let soundscapeOnly = ["intensity", "brightness", "key", "scale", "seed"]
    static let kinds = ["soundscape", "playlist", "silence"]
    /// Key names (pitch classes) a soundscape accepts, with their pitch class.
    static let roots: [(String, Int)] = [
        ("C", 0), ("C#", 1), ("Db", 1), ("D", 2), ("D#", 3), ("Eb", 3), ("E", 4), ("F", 5),
        ("F#", 6), ("Gb", 6), ("G", 7), ("G#", 8), ("Ab", 8), ("A", 9), ("A#", 10), ("Bb", 10), ("B", 11),
    ]
    static let untilDose = ["until dose", "until-dose"]
}

/// One pass over a parsed TOML table, collecting diagnostics.
/// (The clinical tables are read in PlanReader+Clinical.swift.)
struct PlanReader {
    let file: String
    let folder: String
    let locator: PlanKeyLocator
    let fileExists: (String) -> Bool
    private var diagnostics: [Diagnostic] = []

    init(file: String, folder: String, locator: PlanKeyLocator, fileExists: @escaping (String) -> Bool) {
        self.file = file
        self.folder = folder
        self.locator = locator
        self.fileExists = fileExists
    }

    /// Per-phase settings that [defaults] may also give.
    struct Settings {
        var levelDB: Double?
        var fadeIn: Double?
        var fadeOut: Double?
        var crossfade: Double?
        var maxExtend: Double?
    }

    func sortedDiagnostics() -> [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let la = a.element.line ?? 0, lb = b.element.line ?? 0
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: Reporting

    mutating func error(_ key: String?, _ message: String) {
        diagnostics.append(Diagnostic(.error, file: file, line: key.flatMap(locator.line(of:)), key: key, message: message))
    }

    mutating func warning(_ key: String?, _ message: String) {
        diagnostics.append(Diagnostic(.warning, file: file, line: key.flatMap(locator.line(of:)), key: key, message: message))
    }

    // MARK: The plan

    mutating func read(_ root: TOMLTable) -> Plan {
        checkKeys(root, known: PlanKeys.top, path: nil)
        let name = requiredString(root, "name", path: "name", what: "a plan needs a name = \"...\"") ?? ""
        let description = string(root, "description", path: "description") ?? ""
        var route = Route.other
        if let text = requiredString(root, "route", path: "route",
                                     what: "a plan needs route = \(Self.list(Route.allCases.map(\.rawValue)))") {
            if let r = Route(rawValue: text) {
                route = r
            } else {
                error("route", "unknown route \"\(text)\"\(Self.hint(text, Route.allCases.map(\.rawValue))); use one of \(Self.list(Route.allCases.map(\.rawValue)))")
            }
        }
        var cap = 0.0
        if let value = number(root, "level_cap_db", path: "level_cap_db") {
            if value > 0 {
                error("level_cap_db", "\(Self.show(value)) dB is above 0 dBFS; the cap must be 0 or lower")
            } else if value < PlanParser.minimumLevelDB {
                error("level_cap_db", "\(Self.show(value)) dB is below the quietest allowed level of \(Self.show(PlanParser.minimumLevelDB)) dB")
            } else {
                cap = value
            }
        }

        var loudnessTarget: Double?
        if let value = number(root, "loudness_target", path: "loudness_target") {
            if PlanParser.loudnessTargets.contains(value) {
                loudnessTarget = value
            } else {
                error("loudness_target", "\(Self.show(value)) LUFS is outside \(Self.show(PlanParser.loudnessTargets.lowerBound)) to "
                    + "\(Self.show(PlanParser.loudnessTargets.upperBound)) LUFS; -18 (ReplayGain's reference) suits most music")
            }
        }

        var vitals: VitalsSchedule?
        var vitalAlerts = VitalAlerts.defaults
        if let value = root["vitals"] {
            if let table = value.table {
                vitals = readVitals(table)
                if let alerts = table["alerts"] {
                    vitalAlerts = readVitalAlerts(alerts)
                    if table.keys.count == 1 { vitals = nil }   // only [vitals.alerts]: no schedule
                }
            } else {
                error("vitals", "vitals must be a table ([vitals]), got \(Self.describe(value))")
            }
        }

        let minAftercare = readAftercare(root["aftercare"])
        let amountPerDevice = readDose(root["dose"], route: route)

        var defaults = Settings()
        if let value = root["defaults"] {
            if let table = value.table {
                checkKeys(table, known: PlanKeys.defaults, path: "defaults")
                defaults = readSettings(table, path: "defaults", cap: cap)
            } else {
                error("defaults", "defaults must be a table ([defaults]), got \(Self.describe(value))")
            }
        }

        var phases: [Phase] = []
        guard let phaseValue = root["phase"] else {
            error(nil, "a plan needs at least one [[phase]]")
            return Plan(name: name, description: description, route: route, levelCapDB: cap, phases: [], file: file)
        }
        guard let array = phaseValue.array else {
            error("phase", "phase must be an array of tables: write [[phase]] (two brackets) before each phase, got \(Self.describe(phaseValue))")
            return Plan(name: name, description: description, route: route, levelCapDB: cap, phases: [], file: file)
        }
        if array.count == 0 { error("phase", "a plan needs at least one [[phase]]") }
        var names: [String: Int] = [:]
        var untilDose: Int?
        for (offset, element) in array.enumerated() {
            let n = offset + 1
            guard let phase = readPhase(element, number: n, defaults: defaults, cap: cap) else { continue }
            if !phase.name.isEmpty {
                if let first = names[phase.name] {
                    error("phase[\(n)].name", "\"\(phase.name)\" is already the name of phase[\(first)]; phase names must be unique")
                } else {
                    names[phase.name] = n
                }
            }
            if phase.length == .untilDose {
                if let first = untilDose {
                    error("phase[\(n)].duration", "only one phase can last \"until dose\", and phase[\(first)] already does")
                } else {
                    untilDose = n
                }
            }
            phases.append(phase)
        }
        let calm = readCalm(root["calm"], cap: cap)
        let raise = readHeadphonesOff(root["headphones_off"])
        return Plan(name: name, description: description, route: route, levelCapDB: cap, loudnessTarget: loudnessTarget, vitals: vitals,
                    vitalAlerts: vitalAlerts, minAftercareAfterDose: minAftercare, amountPerDevice: amountPerDevice, phases: phases,
                    calm: calm, headphonesOffRaise: raise, file: file)
    }

    // MARK: Phases

    mutating func readPhase(_ value: any TOMLValueConvertible, number n: Int, defaults: Settings, cap: Double) -> Phase? {
        let path = "phase[\(n)]"
        guard let table = value.table else {
            error(path, "each phase must be a table ([[phase]]), got \(Self.describe(value))")
            return nil
        }
        checkKeys(table, known: PlanKeys.phase, path: path)
        let name = requiredString(table, "name", path: "\(path).name", what: "every phase needs a name = \"...\"") ?? ""
        if table["name"]?.string == "" { error("\(path).name", "a phase name cannot be empty") }

        var length = PhaseLength.fixed(0)
        if let value = table["duration"] {
            if let text = value.string, PlanKeys.untilDose.contains(text.lowercased()) {
                length = .untilDose
            } else if let seconds = duration(value, path: "\(path).duration", allowUntilDose: true) {
                if seconds > 0 {
                    length = .fixed(seconds)
                } else {
                    error("\(path).duration", "a phase must last longer than 0s")
                }
            }
        } else {
            error("\(path).duration", "every phase needs a duration, e.g. duration = \"15m\" or duration = \"until dose\"")
        }

        let own = readSettings(table, path: path, cap: cap)
        let source = readSource(table["source"], path: "\(path).source")

        var maxExtend = own.maxExtend ?? defaults.maxExtend ?? 0
        let fadeIn = own.fadeIn ?? defaults.fadeIn ?? 10
        let fadeOut = own.fadeOut ?? defaults.fadeOut ?? 10
        switch length {
        case .untilDose:
            if let own = own.maxExtend, own > 0 {
                warning("\(path).max_extend", "max_extend has no effect on an until-dose phase: it lasts until the dose is marked anyway")
            }
            maxExtend = 0
        case .fixed(let seconds) where seconds > 0:
            for (key, fade) in [("fade_in", fadeIn), ("fade_out", fadeOut)] where fade > seconds {
                warning("\(path).\(key)", "\(key) of \(DurationText.format(fade)) is longer than the phase itself (\(DurationText.format(seconds))); shorten it or lengthen duration")
            }
        case .fixed:
            break
        }
        return Phase(name: name, length: length, source: source,
                     levelDB: own.levelDB ?? defaults.levelDB ?? min(-12, cap),
                     fadeIn: fadeIn, fadeOut: fadeOut,
                     crossfade: own.crossfade ?? defaults.crossfade ?? 8,
                     maxExtend: maxExtend, line: locator.exactLine(of: path) ?? 0)
    }

    /// `[vitals]`: `before_dose = true`, `at = ["40m", ...]` (T+ times), `every = "15m"` (after the dose).
    mutating func readVitals(_ table: TOMLTable) -> VitalsSchedule {
        checkKeys(table, known: PlanKeys.vitals, path: "vitals")
        var schedule = VitalsSchedule()
        if let value = table["before_dose"] {
            if let flag = value.bool { schedule.beforeDose = flag } else {
                error("vitals.before_dose", "before_dose must be true or false, got \(Self.describe(value))")
            }
        }
        if let value = table["at"] {
            if let list = value.array {
                var times: [Double] = []
                for (i, item) in list.enumerated() {
                    if let t = duration(item, path: "vitals.at[\(i)]", allowUntilDose: false) { times.append(t) }
                }
                schedule = VitalsSchedule(beforeDose: schedule.beforeDose, at: times, every: schedule.every)
            } else {
                error("vitals.at", "at must be a list of T+ times such as [\"40m\", \"1h30m\"], got \(Self.describe(value))")
            }
        }
        if let value = table["every"], let t = duration(value, path: "vitals.every", allowUntilDose: false) {
            if t < 60 {
                error("vitals.every", "every \(Self.show(t)) s is too often for readings; use a minute or more, e.g. \"15m\"")
            } else {
                schedule.every = t
            }
        }
        return schedule
    }

    mutating func readSettings(_ table: TOMLTable, path: String, cap: Double) -> Settings {
        var settings = Settings()
        if let level = number(table, "level_db", path: "\(path).level_db") {
            if level > cap {
                error("\(path).level_db", "\(Self.show(level)) dB is above the plan's cap of \(Self.show(cap)) dB; lower level_db or raise level_cap_db")
            } else if level < PlanParser.minimumLevelDB {
                error("\(path).level_db", "\(Self.show(level)) dB is below the quietest allowed level of \(Self.show(PlanParser.minimumLevelDB)) dB; for silence use a source with kind = \"silence\"")
            } else {
                settings.levelDB = level
            }
        }
        func read(_ key: String) -> Double? {
            table[key].flatMap { duration($0, path: "\(path).\(key)", allowUntilDose: false) }
        }
        settings.fadeIn = read("fade_in")
        settings.fadeOut = read("fade_out")
        settings.crossfade = read("crossfade")
        settings.maxExtend = read("max_extend")
        return settings
    }

    // MARK: Headphones off

    /// `[headphones_off]`: `raise_db` (> 0, at most 12) and `output` (a name, default speakers).
    mutating func readHeadphonesOff(_ value: (any TOMLValueConvertible)?) -> HeadphonesOffRaise? {
        guard let value else { return nil }
        guard let table = value.table else {
            error("headphones_off", "headphones_off must be a table ([headphones_off]), got \(Self.describe(value))")
            return nil
        }
        checkKeys(table, known: PlanKeys.headphonesOff, path: "headphones_off")
        var output = HeadphonesOffRaise.defaultOutput
        if let name = string(table, "output", path: "headphones_off.output") {
            if name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                error("headphones_off.output", "\"\(name)\" is not an output name: name one of the room's [[output]] entries, "
                    + "letters, digits, - and _ (e.g. \"speakers\")")
                return nil
            }
            output = name
        }
        guard let db = number(table, "raise_db", path: "headphones_off.raise_db") else {
            if table["raise_db"] == nil {
                error("headphones_off", "headphones_off needs raise_db = ... (dB the \(output) come up by while the headphones are off, e.g. 6)")
            }
            return nil
        }
        guard db > 0, db <= HeadphonesOffRaise.maxDB else {
            error("headphones_off.raise_db", "\(Self.show(db)) dB is outside 0 (exclusive) to \(Self.show(HeadphonesOffRaise.maxDB)) dB; "
                + "give how far the \(output) come up while the headphones are off, e.g. 6")
            return nil
        }
        return HeadphonesOffRaise(output: output, raiseDB: db)
    }

    // MARK: Calm

    mutating func readCalm(_ value: (any TOMLValueConvertible)?, cap: Double) -> CalmSpec? {
        guard let value else { return nil }
        guard let table = value.table else {
            error("calm", "calm must be a table ([calm]), got \(Self.describe(value))")
            return nil
        }
        checkKeys(table, known: PlanKeys.calm, path: "calm")
        guard let level = number(table, "level_db", path: "calm.level_db") else {
            if table["level_db"] == nil {
                error("calm", "calm needs level_db = ... (dB, e.g. -24: calm is never louder than what is heard when it is asked for)")
            }
            return nil
        }
        guard level <= cap, level >= PlanParser.minimumLevelDB else {
            error("calm.level_db", "\(Self.show(level)) dB is outside \(Self.show(PlanParser.minimumLevelDB)) to the plan's cap of \(Self.show(cap)) dB")
            return nil
        }
        guard table["source"] != nil else {
            error("calm", "calm needs a source: source = { kind = \"soundscape\", intensity = 0.2, brightness = 0.3 }")
            return nil
        }
        var crossfade = 6.0
        if let value = table["crossfade"], let t = duration(value, path: "calm.crossfade", allowUntilDose: false) {
            if t <= 0 || t > CalmSpec.maxCrossfade {
                error("calm.crossfade", "\(Self.show(t)) s is outside 0 to \(Self.show(CalmSpec.maxCrossfade)) s: calm must be reached within 8 s")
            } else {
                crossfade = t
            }
        }
        let source = readSource(table["source"], path: "calm.source")
        switch source {
        case .soundscape:
            return CalmSpec(source: source, levelDB: level, crossfade: crossfade)
        case .playlist(let path):
            guard !path.isEmpty else { return nil }   // reported by readSource
            return CalmSpec(source: source, levelDB: level, crossfade: crossfade,
                            line: locator.line(of: "calm.source.path"))
        case .silence:
            error("calm.source", "calm is never silence: write source = { kind = \"soundscape\", intensity = 0.2, brightness = 0.3 } or { kind = \"playlist\", path = \"calm.m3u8\" }")
            return nil
        }
    }

    // MARK: Sources

    mutating func readSource(_ value: (any TOMLValueConvertible)?, path: String) -> SourceSpec {
        let kinds = Self.list(PlanKeys.kinds)
        guard let value else {
            error(path, "every phase needs a source: add [phase.source] with kind = \(kinds)")
            return .silence
        }
        guard let table = value.table else {
            error(path, "source must be a table ([phase.source] or source = { kind = ... }), got \(Self.describe(value))")
            return .silence
        }
        checkKeys(table, known: PlanKeys.source, path: path)
        guard let kind = requiredString(table, "kind", path: "\(path).kind", what: "a source needs kind = \(kinds)") else {
            return .silence
        }
        func ignored(_ keys: [String], unless wanted: String) {
            for key in keys where table[key] != nil {
                warning("\(path).\(key)", "\(key) applies only to kind = \"\(wanted)\"; ignored for kind = \"\(kind)\"")
            }
        }
        switch kind {
        case "soundscape":
            ignored(["path"], unless: "playlist")
            var p = SoundscapeParameters()
            if let v = unitInterval(table, "intensity", path: "\(path).intensity") { p.intensity = v }
            if let v = unitInterval(table, "brightness", path: "\(path).brightness") { p.brightness = v }
            if let key = string(table, "key", path: "\(path).key") {
                if let root = PlanKeys.roots.first(where: { $0.0 == key }) {
                    p.root = root.1
                } else {
                    error("\(path).key", "unknown musical key \"\(key)\"; use a pitch name: \(PlanKeys.roots.map(\.0).joined(separator: ", "))")
                }
            }
            if let text = string(table, "scale", path: "\(path).scale") {
                let names = Scale.allCases.map(\.rawValue)
                if let scale = Scale(rawValue: text) {
                    p.scale = scale
                } else {
                    error("\(path).scale", "unknown scale \"\(text)\"\(Self.hint(text, names)); use one of \(Self.list(names))")
                }
            }
            if let value = table["seed"] {
                if let seed = value.int {
                    if seed < 0 {
                        error("\(path).seed", "seed cannot be negative, got \(seed)")
                    } else {
                        p.seed = UInt64(seed)
                    }
                } else {
                    error("\(path).seed", "seed must be an integer, got \(Self.describe(value))")
                }
            }
            return .soundscape(p)
        case "playlist":
            ignored(PlanKeys.soundscapeOnly, unless: "soundscape")
            guard let written = requiredString(table, "path", path: "\(path).path",
                                               what: "a playlist source needs path = \"...\" (an .m3u or .m3u8 file, relative to the plan's folder or absolute)") else {
                return .playlist(path: "")
            }
            guard !written.isEmpty else {
                error("\(path).path", "path cannot be empty")
                return .playlist(path: "")
            }
            let resolved = PathResolver.resolve(written, in: folder)
            if !fileExists(resolved) {
                let shown = resolved == written ? written : "\(written) (looked for \(resolved))"
                error("\(path).path", "playlist file not found: \(shown)")
            }
            return .playlist(path: resolved)
        case "silence":
            ignored(PlanKeys.soundscapeOnly, unless: "soundscape")
            ignored(["path"], unless: "playlist")
            return .silence
        default:
            error("\(path).kind", "unknown kind \"\(kind)\"\(Self.hint(kind, PlanKeys.kinds)); use one of \(kinds)")
            return .silence
        }
    }

    // MARK: Values

    /// Reports keys of `table` that are not in `known`, with a hint where possible.
    mutating func checkKeys(_ table: TOMLTable, known: [String], path: String?) {
        for key in table.keys where !known.contains(key) {
            let full = path.map { "\($0).\(key)" } ?? key
            var message = "unknown key \"\(key)\""
            if let place = Self.placement(of: key, in: path) {
                message += "; \(place)"
            } else if let near = NearestKey.nearest(to: key, in: known) {
                message += "; did you mean \(near)?"
            } else {
                message += "; known keys here: \(known.joined(separator: ", "))"
            }
            error(full, message)
        }
    }

    /// Where a key that is valid elsewhere in a plan belongs, when it is used in the wrong table.
    static func placement(of key: String, in path: String?) -> String? {
        let inPhase = path.map { $0.hasPrefix("phase[") && !$0.hasSuffix(".source") } ?? false
        let inSource = path?.hasSuffix(".source") ?? false
        if PlanKeys.source.contains(key) && !inSource {
            return "\(key) belongs in the phase's source table ([phase.source])"
        }
        if PlanKeys.phase.contains(key) && !inPhase {
            if path == "defaults" { return "\(key) cannot have a default; set it in each [[phase]]" }
            if PlanKeys.defaults.contains(key) && path == nil { return "\(key) belongs in [defaults] or in a [[phase]]" }
            return "\(key) belongs in a [[phase]]"
        }
        if let place = clinicalPlacement(of: key, in: path) { return place }
        if PlanKeys.top.contains(key) && path != nil {
            return "\(key) belongs at the top of the plan, before any [table]"
        }
        return nil
    }

    mutating func requiredString(_ table: TOMLTable, _ key: String, path: String, what: String) -> String? {
        guard table[key] != nil else {
            error(path, "missing: \(what)")
            return nil
        }
        return string(table, key, path: path)
    }

    mutating func string(_ table: TOMLTable, _ key: String, path: String) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else {
            error(path, "\(key) must be a string, got \(Self.describe(value))")
            return nil
        }
        return text
    }

    mutating func number(_ table: TOMLTable, _ key: String, path: String) -> Double? {
        guard let value = table[key] else { return nil }
        let number: Double
        if let i = value.int {
            number = Double(i)
        } else if let d = value.double {
            number = d
        } else {
            error(path, "\(key) must be a number, got \(Self.describe(value))")
            return nil
        }
        guard number.isFinite else {
            error(path, "\(key) must be a finite number, got \(number)")
            return nil
        }
        return number
    }

    mutating func unitInterval(_ table: TOMLTable, _ key: String, path: String) -> Double? {
        guard let value = number(table, key, path: path) else { return nil }
        guard (0...1).contains(value) else {
            error(path, "\(key) must be between 0 and 1, got \(Self.show(value))")
            return nil
        }
        return value
    }

    mutating func duration(_ value: any TOMLValueConvertible, path: String, allowUntilDose: Bool) -> Double? {
        let key = path.split(separator: ".").last.map(String.init) ?? path
        let forms = "\"90s\", \"15m\", \"1h30m\" or \"2m30s\" (units h, m, s)" + (allowUntilDose ? ", or \"until dose\"" : "")
        guard let text = value.string else {
            var message = "\(key) must be a duration text like \(forms), got \(Self.describe(value))"
            if value.int != nil || value.double != nil { message += "; add a unit, e.g. \"\(Self.describe(value).split(separator: " ").last ?? "")s\"" }
            error(path, message)
            return nil
        }
        if text.trimmingPrefix(while: { $0 == " " }).hasPrefix("-") {
            error(path, "\(key) cannot be negative, got \"\(text)\"")
            return nil
        }
        guard let seconds = DurationText.parse(text) else {
            error(path, "\"\(text)\" is not a duration; write it like \(forms)")
            return nil
        }
        // Beyond this a value would not fit the timeline's frame counts or print as a
        // duration (found by fuzzing); no session comes near it.
        guard seconds <= PlanParser.longestDuration else {
            error(path, "\(key) of \"\(text)\" is longer than \(DurationText.format(PlanParser.longestDuration)), the longest a plan may ask for")
            return nil
        }
        return seconds
    }

    // MARK: Text

    static func describe(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "string \"\(value.string ?? "")\""
        case .int: return "integer \(value.int.map(String.init) ?? "")"
        case .double: return "number \(value.double.map(show) ?? "")"
        case .bool: return "boolean \(value.bool.map(String.init) ?? "")"
        case .table: return "a table"
        case .array: return "an array"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    static func show(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    static func list(_ names: [String]) -> String {
        let quoted = names.map { "\"\($0)\"" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    }

    static func hint(_ word: String, _ names: [String]) -> String {
        NearestKey.nearest(to: word, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""
    }
}
