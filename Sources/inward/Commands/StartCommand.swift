import ArgumentParser
import Foundation
import InwardProtocol

/// `inward start PLAN [--client CODE]`: start a session (Start).
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a session: play a plan from its first phase.",
        discussion: "PLAN is a name from `inward plans` or a path to a plan file. The session then waits for `inward dose`."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A plan name from `inward plans`, or a plan file.", completion: .file(extensions: ["toml"]))
    var plan: String

    @Option(name: .long, help: ArgumentHelp("The client's pseudonymous code (never a name): letters, digits, - and _.", valueName: "code"))
    var client: String?

    func validate() throws {
        if let client, client.isEmpty || !client.unicodeScalars.allSatisfy({
            (($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z")
                || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_")
        }) {
            throw ValidationError("--client '\(client)': use a pseudonymous code of letters, digits, - and _ (never a name)")
        }
    }

    /// A plan given as a path is sent as an absolute path: the daemon runs
    /// in another folder.
    var planParameter: String {
        let looksLikePath = plan.contains("/") || plan.hasSuffix(".toml")
        guard looksLikePath, FileManager.default.fileExists(atPath: plan) else { return plan }
        return URL(fileURLWithPath: plan).standardizedFileURL.path
    }

    func run() throws {
        try withDaemon(global) { daemon in
            var params: JSONObject = ["plan": .string(planParameter)]
            if let client { params["client"] = .string(client) }
            let reply = try daemon.call(SessionMethod.start, params)
            if global.json { return Output.json(reply) }
            let status = StatusView(reply["status"]?.objectValue ?? [:])
            let id = reply["session_id"]?.stringValue ?? status.sessionID ?? "?"
            Output.line("session \(id) started: plan \(status.plan ?? plan), phase \(status.phaseText)")
            if status.state == "waiting_for_dose" || status.t0Seconds == nil && status.untilDose {
                Output.line("waiting for the dose: mark it with `inward dose` when it is given")
            }
        }
    }
}
