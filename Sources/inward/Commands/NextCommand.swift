import ArgumentParser

/// `inward next` (Next).
struct NextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next", abstract: "End the current phase now and move to the next, with the plan's fades.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        // The reply comes before the change is heard, so its status still shows the phase being left.
        try SimpleControl.run(global, method: "Next") { s in
            let next = s.phaseIndex.map { " for phase \($0 + 2)/\(s.phaseCount)" } ?? ""
            return "leaving \(s.phaseName ?? "the current phase")\(next), with the plan's fades"
        }
    }
}
