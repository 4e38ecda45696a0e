import Foundation
import InwardAudio
import InwardCore
import InwardProtocol

/// How `check` shows a plan: its phases on the session clock and on the T+
/// clock (time since the dose).
enum PlanReport {
    static func sourceText(_ source: SourceSpec, plan: Plan) -> String {
        switch source {
        case .silence: return "silence"
        case .playlist(let path): return "playlist \(relative(path, to: plan.file))"
        case .soundscape(let p):
            let names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
            return "soundscape \(names[p.root % 12]) \(p.scale.rawValue), intensity \(p.intensity), brightness \(p.brightness), seed \(p.seed)"
        }
    }

    static func relative(_ path: String, to planFile: String) -> String {
        let folder = URL(fileURLWithPath: planFile).deletingLastPathComponent().standardizedFileURL.path
        return path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path
    }

    static func tplus(_ frame: Int64, t0: Int64?, rate: Int) -> String {
        guard let t0 else { return "" }
        let d = Double(frame - t0) / Double(rate)
        return SessionClock.t(d)
    }

    static func text(_ loaded: LoadedPlan, timeline: Timeline, rate: Int, t0: Int64?, doseAt: Bool) -> String {
        let plan = loaded.plan
        var out = "\(plan.name)\n"
        if !plan.description.isEmpty { out += "  \(plan.description)\n" }
        let loudness = plan.loudnessTarget.map { ", tracks brought to \($0) LUFS" } ?? ""
        out += "  route \(plan.route.rawValue), level cap \(plan.levelCapDB) dB\(loudness), \(plan.phases.count) phases\n"
        if let vitals = plan.vitals {
            var when: [String] = []
            if vitals.beforeDose { when.append("before the dose") }
            if !vitals.at.isEmpty { when.append("at " + vitals.at.map(SessionClock.t).joined(separator: ", ")) }
            if let every = vitals.every { when.append("every \(SessionClock.counter(every)) after the dose") }
            out += "  vitals due \(when.isEmpty ? "never" : when.joined(separator: "; "))\n"
        }
        out += "\n"
        let nameWidth = max(5, plan.phases.map(\.name.count).max() ?? 5)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        out += "  #  \(pad("phase", nameWidth))  \(pad("starts", 8)) \(pad("ends", 8)) \(pad("T+ start", 10))  \(pad("length", 10)) level  fades in/out  extend  source\n"
        for (i, phase) in plan.phases.enumerated() {
            let span = timeline.spans[i]
            let start = span.start.map { SessionClock.counter(Double($0) / Double(rate)) } ?? "?"
            let end = span.end.map { SessionClock.counter(Double($0) / Double(rate)) } ?? "?"
            let length: String
            switch phase.length {
            case .untilDose: length = "until dose"
            case .fixed(let s): length = DurationText.format(s)
            }
            let t = span.start.map { tplus($0, t0: t0, rate: rate) } ?? ""
            let fades = "\(DurationText.format(phase.fadeIn))/\(DurationText.format(phase.fadeOut))"
            out += "  \(pad(String(i + 1), 2)) \(pad(phase.name, nameWidth))  \(pad(start, 8)) \(pad(end, 8)) \(pad(t, 10))  "
            out += "\(pad(length, 10)) \(pad(String(format: "%.0f", phase.levelDB), 5))  \(pad(fades, 12))  "
            out += "\(pad(phase.maxExtend > 0 ? DurationText.format(phase.maxExtend) : "-", 6))  \(sourceText(phase.source, plan: plan))\n"
        }
        out += "\n"
        if let t0 {
            let dose = SessionClock.counter(Double(t0) / Double(rate))
            out += "  dose (T0) at \(dose)\(doseAt ? "" : " (assumed; --dose-at sets it)")\n"
        }
        if let end = timeline.end {
            out += "  session length \(SessionClock.counter(Double(end) / Double(rate)))"
            if let t0 { out += ", ends at \(tplus(end, t0: t0, rate: rate))" }
            out += "\n"
        }
        let warnings = loaded.warnings.count
        out += warnings == 0 ? "  plan OK" : "  plan OK with \(warnings) warning\(warnings == 1 ? "" : "s") (below)"
        return out
    }

    static func json(_ loaded: LoadedPlan, timeline: Timeline, rate: Int, t0: Int64?) -> JSONValue {
        let plan = loaded.plan
        var phases: [JSONValue] = []
        for (i, phase) in plan.phases.enumerated() {
            var o: JSONObject = [
                "name": .string(phase.name), "level_db": .number(phase.levelDB), "fade_in": .number(phase.fadeIn),
                "fade_out": .number(phase.fadeOut), "crossfade": .number(phase.crossfade),
                "max_extend": .number(phase.maxExtend), "source": .string(sourceText(phase.source, plan: plan)),
            ]
            switch phase.length {
            case .untilDose: o["duration"] = "until dose"
            case .fixed(let s): o["duration"] = .number(s)
            }
            if let s = timeline.spans[i].start { o["start"] = .number(Double(s) / Double(rate)) }
            if let e = timeline.spans[i].end { o["end"] = .number(Double(e) / Double(rate)) }
            phases.append(.object(o))
        }
        let vitals: JSONValue = plan.vitals.map { v in
            .object(["before_dose": .bool(v.beforeDose), "at_t0_seconds": .array(v.at.map(JSONValue.number)),
                     "every_seconds": .optional(v.every)])
        } ?? .null
        var o: JSONObject = [
            "valid": true, "name": .string(plan.name), "route": .string(plan.route.rawValue),
            "level_cap_db": .number(plan.levelCapDB), "loudness_target": .optional(plan.loudnessTarget),
            "vitals": vitals, "phases": .array(phases), "warnings": .array(loaded.warnings.map(diagnosticJSON)),
        ]
        if let t0 { o["dose_at"] = .number(Double(t0) / Double(rate)) }
        if let end = timeline.end { o["length"] = .number(Double(end) / Double(rate)) }
        return .object(o)
    }
}
