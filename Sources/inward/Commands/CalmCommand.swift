import ArgumentParser
import InwardProtocol

/// `inward calm [--by client]` (Calm).
struct CalmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calm",
        abstract: "Crossfade to the plan's calm harbour within 8 s; `inward resume` goes back.",
        discussion: "Calm plays at the lower of the plan's calm level and the level heard now. The clock and the plan's phases run on underneath.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Who asked, for the log (e.g. client).") var by: String?

    func run() throws {
        try withDaemon(global) { daemon in
            let reply = try daemon.call(.calm, ["by": by.map { JSONValue.string($0) } ?? SessionAPI.by])
            if global.json { return Output.json(reply) }
            let level = reply["level_db"]?.doubleValue.map { String(format: "%.1f dB", $0) } ?? "its level"
            Output.line("calm: crossfading to the plan's calm harbour at \(level); the clock runs on (`inward resume` goes back)")
        }
    }
}
