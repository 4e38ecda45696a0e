import ArgumentParser
import InwardProtocol

/// `inward output NAME DB|on|off`: one output's own level (SetOutput).
struct OutputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Set one output's own level (dB relative to the plan), or switch it off or on: output speakers -6.",
        discussion: """
            Each output of the room (`inward status` lists them) plays the session at its own level; this
            changes one and leaves the others. Ramped like the volume, never a jump; off fades it out.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The output's name, e.g. headphones or speakers.", valueName: "name"))
    var name: String

    @Argument(help: ArgumentHelp("dB relative to the plan (-6, +2, 0), or off, or on.", valueName: "db|on|off"))
    var level: String

    func run() throws {
        var parameters: JSONObject = ["output": .string(name), "by": SessionAPI.by]
        switch level.lowercased() {
        case "off": parameters["on"] = .bool(false)
        case "on": parameters["on"] = .bool(true)
        default:
            guard let db = VolumeCommand.parse(level) else {
                throw usage("output: '\(level)' is not a level; write e.g. -6, +2, off or on")
            }
            parameters["db"] = .number(db)
        }
        try withDaemon(global) { daemon in
            let reply = try daemon.call(SessionMethod.setOutput, parameters)
            if global.json { return Output.json(reply) }
            let db = reply["level_db"]?.doubleValue ?? 0
            var line = reply["on"]?.boolValue == false ? "output \(name) off (fading out)"
                                                       : "output \(name) \(StatusView.db(db)) dB (ramping)"
            if reply["clamped"]?.boolValue == true { line += "; clamped to -60 ... +12 dB" }
            Output.line(line)
        }
    }
}
