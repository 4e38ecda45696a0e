import InwardCore

/// Properties of the plan parser and validator (InwardCore's PlanParser.swift) for any
/// text: a rejected plan says why and where, inside the file; an accepted plan keeps
/// every promise docs/plans.md makes, and can be scheduled and printed without a trap.
enum PlanProperties {
    static let file = "fuzz/plan.toml"
    static let folder = "/plans"
    /// Playlists exist unless their path says "missing", so both branches are reachable.
    static func fileExists(_ path: String) -> Bool { !path.contains("missing") }

    static func check(_ input: [UInt8]) throws(PropertyViolation) {
        let text = String(decoding: input, as: UTF8.self)
        let lineCount = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).count
        let parsed: ParsedPlan
        do {
            parsed = try PlanParser.parse(text, file: file, folder: folder, fileExists: fileExists)
        } catch {
            try require(error.diagnostics.contains { $0.severity == .error }, "a rejection has an error",
                        "\(error.diagnostics.count) diagnostics, none an error")
            try requireWellPlaced(error.diagnostics, lineCount: lineCount)
            return
        }
        try require(parsed.warnings.allSatisfy { $0.severity == .warning }, "an accepted plan has only warnings",
                    "\(parsed.warnings.filter { $0.severity == .error }.map(\.description))")
        try requireWellPlaced(parsed.warnings, lineCount: lineCount)
        try requireValid(parsed.plan, lineCount: lineCount)
        try requireSchedulable(parsed.plan)
    }

    static func requireWellPlaced(_ diagnostics: [Diagnostic], lineCount: Int) throws(PropertyViolation) {
        for d in diagnostics {
            try require(d.file == file, "diagnostics name the file", d.description)
            try require(!d.message.isEmpty, "diagnostics say what is wrong", d.description)
            if let line = d.line {
                try require((1...max(1, lineCount)).contains(line), "diagnostic lines inside the file",
                            "line \(line) of \(lineCount): \(d.description)")
            }
        }
        let lines = diagnostics.map { $0.line ?? 0 }
        try require(lines == lines.sorted(), "diagnostics in line order", "\(lines)")
    }

    static func requireValid(_ plan: Plan, lineCount: Int) throws(PropertyViolation) {
        let p = "accepted plans are valid"
        try require(!plan.phases.isEmpty, p, "no phases")
        try require(plan.file == file, p, "file \(plan.file)")
        try require((PlanParser.minimumLevelDB...0).contains(plan.levelCapDB), p, "level_cap_db \(plan.levelCapDB)")
        if let target = plan.loudnessTarget {
            try require(PlanParser.loudnessTargets.contains(target), p, "loudness_target \(target)")
        }
        if let vitals = plan.vitals {
            try require(vitals.at.allSatisfy { $0.isFinite && $0 >= 0 }, p, "vitals.at \(vitals.at)")
            if let every = vitals.every { try require(every.isFinite && every >= 60, p, "vitals.every \(every)") }
        }
        try require(Set(plan.phases.map(\.name)).count == plan.phases.count, p, "phase names \(plan.phases.map(\.name))")
        try require(plan.phases.filter { $0.length == .untilDose }.count <= 1, p, "more than one until-dose phase")
        for (n, phase) in plan.phases.enumerated() {
            let at = "phase[\(n + 1)]"
            try require(!phase.name.isEmpty, p, "\(at) has no name")
            switch phase.length {
            case .fixed(let seconds):
                try require(seconds.isFinite && seconds > 0, p, "\(at).duration \(seconds)")
            case .untilDose:
                try require(phase.maxExtend == 0, p, "\(at) is until-dose with max_extend \(phase.maxExtend)")
            }
            try require((PlanParser.minimumLevelDB...plan.levelCapDB).contains(phase.levelDB), p,
                        "\(at).level_db \(phase.levelDB) with cap \(plan.levelCapDB)")
            for (key, value) in [("fade_in", phase.fadeIn), ("fade_out", phase.fadeOut), ("crossfade", phase.crossfade), ("max_extend", phase.maxExtend)] {
                try require(value.isFinite && value >= 0, p, "\(at).\(key) \(value)")
            }
            try require((0...lineCount).contains(phase.line), p, "\(at) on line \(phase.line) of \(lineCount)")
            switch phase.source {
            case .soundscape(let s):
                try require((0...1).contains(s.intensity) && (0...1).contains(s.brightness) && (0...11).contains(s.root), p,
                            "\(at).source \(s)")
            case .playlist(let path):
                try require(path.utf8.first == UInt8(ascii: "/") && PathResolver.normalize(path) == path && fileExists(path), p,
                            "\(at).source.path '\(path)'")
            case .silence:
                break
            }
        }
    }

    /// The timeline (in frames, at any sample rate the daemon runs) and the CLI's
    /// duration text handle every value an accepted plan holds.
    static func requireSchedulable(_ plan: Plan) throws(PropertyViolation) {
        let holds = Dictionary(uniqueKeysWithValues: plan.phases.indices.map { ($0, Int64.max) })
        for rate in [8000, 48000, 192_000] {
            for t0: Int64? in [nil, 0, Int64.max / 2] {
                let timeline = Timeline(plan: plan, sampleRate: rate, t0: t0, holds: holds)
                for span in timeline.spans {
                    if let start = span.start, let end = span.end {
                        try require(start <= end, "timeline spans move forward", "\(span) at \(rate) Hz")
                    }
                }
            }
        }
        for phase in plan.phases {
            var values = [phase.fadeIn, phase.fadeOut, phase.crossfade, phase.maxExtend]
            if case .fixed(let seconds) = phase.length { values.append(seconds) }
            for seconds in values {
                let text = DurationText.format(seconds)
                guard let back = DurationText.parse(text) else {
                    throw PropertyViolation("durations print as durations", "\(seconds) s printed as '\(text)'")
                }
                try require(abs(back - seconds) <= 0.0005 + 4 * seconds.ulp, "durations print to the millisecond",
                            "\(seconds) s printed as '\(text)', read back as \(back)")
            }
        }
    }
}
