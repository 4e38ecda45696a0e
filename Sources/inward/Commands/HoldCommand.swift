import ArgumentParser
import InwardCore
import InwardProtocol

/// `inward hold DUR`: extend the current phase (Hold).
struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Extend the current phase by DUR (e.g. 5m, 90s); later phases move with it.",
        discussion: """
            Holds add up to at most the phase's maximum from the plan; a hold longer than what is \
            left is clamped to it, and says so and by how much.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("How long to add: 90s, 5m, 1h5m.", valueName: "duration"))
    var duration: String

    func run() throws {
        guard let seconds = DurationText.parse(duration), seconds > 0, seconds.isFinite else {
            throw usage("hold: '\(duration)' is not a duration; write e.g. 90s, 5m or 1h5m")
        }
        try withDaemon(global) { daemon in
            let result = try HoldRequest.send(daemon, seconds: seconds, by: SessionAPI.by)
            if global.json { return Output.json(result.reply) }
            Output.line(result.text)
        }
    }
}

/// A hold, clamped to what the phase has left: the daemon refuses a hold
/// past the phase's maximum (HoldLimit), so the part that fits is held
/// instead, and the answer says how much was cut.
enum HoldRequest {
    struct Result {
        var reply: JSONObject
        var text: String
    }

    static func send(_ daemon: VarlinkConnection, seconds: Double, by: JSONValue) throws(ClientError) -> Result {
        var asked = seconds
        var reply: JSONObject
        do {
            reply = try daemon.call(SessionMethod.hold, ["seconds": .number(asked), "by": by])
        } catch .varlink(let name, let p) where name.hasSuffix(".HoldLimit") {
            let left = (p["max_seconds"]?.doubleValue ?? 0) - (p["held_seconds"]?.doubleValue ?? 0)
            // Under a second left is not worth a hold: the refusal stands.
            guard left >= 1 else { throw .varlink(name: name, parameters: p) }
            asked = left.rounded(.down)
            reply = try daemon.call(SessionMethod.hold, ["seconds": .number(asked), "by": by])
            reply["clamped_from_seconds"] = .number(seconds)
        }
        let held = reply["held_seconds"]?.doubleValue ?? asked
        let max = reply["max_seconds"]?.doubleValue
        var text = "held +\(SessionClock.counter(asked)): this phase is now extended by \(SessionClock.counter(held))"
        if let max { text += " of at most \(SessionClock.counter(max))" }
        if asked < seconds {
            text += "; clamped: \(SessionClock.counter(seconds)) asked, \(SessionClock.counter(seconds - asked)) "
                + "more than the phase may be held"
        }
        return Result(reply: reply, text: text)
    }
}
