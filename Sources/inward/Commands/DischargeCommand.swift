import ArgumentParser
import InwardCore
import InwardProtocol

/// `inward discharge` (Discharge): closes the record of a session in aftercare.
struct DischargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discharge",
        abstract: "Close the session's record: the client leaves (after the music, in aftercare).",
        discussion: """
            Writes session.end (reason discharged) with the T+ time and who discharged. Before the plan's least \\
            aftercare after the first dose ([aftercare] min_after_dose) it is refused unless given --early and \\
            --reason.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("A note for the record.", valueName: "text"))
    var note: String?

    @Flag(name: .long, help: "Discharge before the plan's least aftercare (needs --reason).")
    var early = false

    @Option(name: .long, help: ArgumentHelp("Why the discharge is early.", valueName: "text"))
    var reason: String?

    func run() throws {
        if early && (reason ?? "").isEmpty { throw usage("--early needs --reason TEXT, for the record") }
        try withDaemon(global) { daemon in
            var params = JSONObject()
            if let note { params["note"] = .string(note) }
            if early { params["early"] = true }
            if let reason { params["reason"] = .string(reason) }
            let reply = try daemon.call(SessionMethod.discharge, params)
            if global.json { return Output.json(reply) }
            let status = StatusView(reply["status"]?.objectValue ?? [:])
            let clock = status.t0Seconds.map { " at \(SessionClock.t($0))" } ?? ""
            Output.line("discharged\(clock); session \(status.sessionID ?? "") closed (`inward review` shows it)")
        }
    }
}
