import ArgumentParser

/// `inward next` (Next).
struct NextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next", abstract: "End the current phase now and move to the next, with the plan's fades.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        // The reply names both phases: its status may show either, as the change is heard within the output's latency.
        try SimpleControl.run(global, method: .next) { reply, s in
            let from = reply["from"]?.stringValue ?? s.phaseName ?? "the current phase"
            guard let to = reply["to"]?.stringValue, let index = reply["to_index"]?.int64Value else {
                return "leaving \(from), with the plan's fades"
            }
            return "leaving \(from) for \(to) (phase \(index + 1)/\(s.phaseCount)), with the plan's fades"
        }
    }
}
