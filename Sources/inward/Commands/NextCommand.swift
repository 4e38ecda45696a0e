import ArgumentParser

/// `inward next` (Next).
struct NextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next", abstract: "End the current phase now and move to the next, with the plan's fades.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: "Next") { s in "moving to phase \(s.phaseText)" }
    }
}
