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
        discussion: "Exits 0 when the plan can be played (warnings allowed), 1 when it has errors."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The plan file (TOML).", completion: .file(extensions: ["toml"]))
    var plan: String

    @Option(name: .long, help: "Dose time to show post-dose phases against, e.g. 10m (default: when the pre-dose phases end, plus 5 minutes).")
    var doseAt: String?

    func run() throws {
        let loaded: LoadedPlan
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
        let doseSeconds = try DoseTime.resolve(doseAt, plan: loaded.plan)
        let rate = 48000
        let t0 = loaded.plan.untilDoseIndex == nil ? nil : Timeline.frames(doseSeconds, sampleRate: rate)
        let timeline = Timeline(plan: loaded.plan, sampleRate: rate, t0: t0)

        if global.json {
            Output.json(PlanReport.json(loaded, timeline: timeline, rate: rate, t0: t0))
            return
        }
        print(PlanReport.text(loaded, timeline: timeline, rate: rate, t0: t0, doseAt: doseAt != nil))
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
