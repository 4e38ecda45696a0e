import ArgumentParser
import InwardCore
import InwardProtocol

/// `inward hold DUR`: extend the current phase (Hold).
struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Extend the current phase by DUR (e.g. 5m, 90s); later phases move with it.",
        discussion: "Holds add up to at most the phase's maximum from the plan."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("How long to add: 90s, 5m, 1h5m.", valueName: "duration"))
    var duration: String

    func run() throws {
        guard let seconds = DurationText.parse(duration), seconds > 0, seconds.isFinite else {
            throw usage("hold: '\(duration)' is not a duration; write e.g. 90s, 5m or 1h5m")
        }
        try withDaemon(global) { daemon in
            let reply = try daemon.call(SessionMethod.hold, ["seconds": .number(seconds), "by": SessionAPI.by])
            if global.json { return Output.json(reply) }
            let held = reply["held_seconds"]?.doubleValue ?? seconds
            let max = reply["max_seconds"]?.doubleValue
            var line = "held +\(SessionClock.counter(seconds)): this phase is now extended by \(SessionClock.counter(held))"
            if let max { line += " of at most \(SessionClock.counter(max))" }
            Output.line(line)
        }
    }
}
