import ArgumentParser
import Foundation
import InwardAudio
import InwardCore
import InwardProtocol

/// `inward check PLAN`: validate a plan, show its phases and timeline.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a session plan and show its phases and timeline.",
        discussion: """
            Shows each playlist's length against its phase's length and longest hold (the soundscape fills what a \
            playlist does not). --playlist PHASE=FILE.m3u8 checks a client's own playlist in place of the plan's \
            source, as `inward start --playlist` would play it. Exits 0 when the plan can be played (warnings \
            allowed), 1 when it has errors.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The plan file (TOML).", completion: .file(extensions: ["toml"]))
    var plan: String

    @Option(name: .long, help: "Dose time to show post-dose phases against, e.g. 10m (default: when the pre-dose phases end, plus 5 minutes).")
    var doseAt: String?

    @Option(name: .customLong("playlist"), parsing: .singleValue,
            help: ArgumentHelp("A client's own playlist for one phase, as `inward start --playlist` takes it: PHASE=FILE.m3u8 (repeatable).",
                               valueName: "phase=file"),
            completion: .file(extensions: ["m3u8", "m3u"]))
    var playlists: [String] = []

    func run() throws {
        var loaded: LoadedPlan
        do {
            loaded = try PlanLoader.load(plan)
        } catch {
            if global.json {
                Output.json(.object(["valid": false, "errors": .array(error.diagnostics.map(diagnosticJSON))]))
            } else {
                for d in error.diagnostics { Terminal.errLine(d.description) }
                Terminal.errLine("\(plan): \(error.diagnostics.count) problem\(error.diagnostics.count == 1 ? "" : "s"); the plan cannot be played")
            }
            throw ExitCode(1)
        }
        try ClientPlaylist.apply(playlists, to: &loaded)
        let coverage = loaded.playlistCoverage()
        let doseSeconds = try DoseTime.resolve(doseAt, plan: loaded.plan)
        let rate = 48000
        let t0 = loaded.plan.untilDoseIndex == nil ? nil : Timeline.frames(doseSeconds, sampleRate: rate)
        let timeline = Timeline(plan: loaded.plan, sampleRate: rate, t0: t0)

        if global.json {
            var report = PlanReport.json(loaded, timeline: timeline, rate: rate, t0: t0).objectValue ?? [:]
            report["playlists"] = .array(coverage.map { item -> JSONValue in
                let c = item.coverage
                return .object(["phase": .string(loaded.plan.phases[item.phase].name), "tracks": .integer(Int64(c.tracks)),
                                "seconds": .optional(c.playlistSeconds), "phase_seconds": .optional(c.phaseSeconds),
                                "max_extend": .number(c.maxExtendSeconds), "verdict": .string(c.verdict.rawValue),
                                "text": .string(c.text)])
            })
            Output.json(.object(report))
            return
        }
        print(PlanReport.text(loaded, timeline: timeline, rate: rate, t0: t0, doseAt: doseAt != nil))
        if !coverage.isEmpty {
            print("\n  playlists")
            let width = coverage.map { loaded.plan.phases[$0.phase].name.count }.max() ?? 0
            for item in coverage {
                let name = loaded.plan.phases[item.phase].name
                print("  \(name)\(String(repeating: " ", count: width - name.count))  \(item.coverage.text)")
            }
        }
        for w in loaded.warnings { Terminal.errLine(w.description) }
    }
}

func diagnosticJSON(_ d: Diagnostic) -> JSONValue {
    var o: JSONObject = ["severity": .string(d.severity.rawValue), "file": .string(d.file), "message": .string(d.message)]
    if let line = d.line { o["line"] = .integer(Int64(line)) }
    if let key = d.key { o["key"] = .string(key) }
    return .object(o)
}

/// The dose time a check or render assumes.
enum DoseTime {
    /// `text` parsed as a duration, or, when absent, the end of the fixed
    /// pre-dose phases (at least 5 minutes of settling before a dose).
    static func resolve(_ text: String?, plan: Plan) throws -> Double {
        if let text {
            guard let seconds = DurationText.parse(text) else {
                throw ValidationError("--dose-at '\(text)' is not a duration; write e.g. 90s, 10m or 1h5m")
            }
            return seconds
        }
        guard let until = plan.untilDoseIndex else { return 0 }
        var before = 0.0
        for phase in plan.phases[..<until] {
            if case .fixed(let s) = phase.length { before += s }
        }
        return before + 300
    }
}

/// `--playlist PHASE=FILE.m3u8` as `check` and `render` read it: the client's
/// playlist in place of the phase's source, read here (the daemon checks its
/// folders when `start` sends it).
enum ClientPlaylist {
    static func apply(_ items: [String], to loaded: inout LoadedPlan) throws {
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
                throw ValidationError("--playlist '\(item)': write PHASE=FILE.m3u8")
            }
            let name = String(item[..<eq])
            let file = URL(fileURLWithPath: String(item[item.index(after: eq)...])).standardizedFileURL.path
            guard let index = loaded.phaseIndex(named: name) else {
                let names = loaded.plan.phases.map(\.name)
                let near = NearestKey.nearest(to: name, in: names).map { "did you mean '\($0)'? " } ?? ""
                throw ValidationError("--playlist: the plan has no phase '\(name)'; \(near)its phases are \(names.joined(separator: ", "))")
            }
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw ValidationError("--playlist: cannot read \(file); check the path")
            }
            loaded.override(phase: index, file: file, playlist: PlanLoader.readPlaylist(file))
        }
    }
}
