import ArgumentParser
import Foundation
import InwardProtocol

/// `inward start PLAN [--client CODE] [--playlist PHASE=FILE.m3u8]...`: start a session (Start).
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a session: play a plan from its first phase.",
        discussion: """
            PLAN is a name from `inward plans` or the path of a plan file inside one of the daemon's plan folders. The session then waits for `inward dose`. \
            --playlist PHASE=FILE.m3u8 (repeatable) plays a client's own playlist in that phase instead of the plan's \
            source, without a plan file of their own; the playlist and its tracks must be in the daemon's plan or \
            music folders (`music` in inwardd.toml). The plan's warnings (an empty playlist, a missing track) are printed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A plan name from `inward plans`, or a plan file.", completion: .file(extensions: ["toml"]))
    var plan: String

    @Option(name: .long, help: ArgumentHelp("The client's pseudonymous code (never a name): letters, digits, - and _.", valueName: "code"))
    var client: String?

    @Option(name: .customLong("playlist"), parsing: .singleValue,
            help: ArgumentHelp("A client's own playlist for one phase: PHASE=FILE.m3u8 (repeatable); the file and its tracks "
                + "in the daemon's plan or music folders.", valueName: "phase=file"),
            completion: .file(extensions: ["m3u8", "m3u"]))
    var playlists: [String] = []

    /// `--playlist` values as phase name to file; a file given as a path that
    /// exists here is sent absolute (the daemon runs in another folder), a
    /// bare name is looked up in the daemon's music folders.
    func playlistParameter() throws -> JSONObject {
        var out: JSONObject = [:]
        for item in playlists {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
                throw ValidationError("--playlist '\(item)': write PHASE=FILE.m3u8, e.g. --playlist peak=/srv/inward/music/C-0042/peak.m3u8")
            }
            let phase = String(item[..<eq]), file = String(item[item.index(after: eq)...])
            if out[phase] != nil { throw ValidationError("--playlist: phase '\(phase)' is given twice") }
            let local = FileManager.default.fileExists(atPath: file)
            out[phase] = .string(local ? URL(fileURLWithPath: file).standardizedFileURL.path : file)
        }
        return out
    }

    func validate() throws {
        _ = try playlistParameter()
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
            let chosen = try playlistParameter()
            if !chosen.isEmpty { params["playlists"] = .object(chosen) }
            let reply = try daemon.call(SessionMethod.start, params)
            if global.json { return Output.json(reply) }
            // The plan's warnings first, where the therapist looks before the client settles.
            for warning in reply["warnings"]?.arrayValue ?? [] {
                if let text = warning.stringValue { Terminal.errLine(text) }
            }
            let status = StatusView(reply["status"]?.objectValue ?? [:])
            let id = reply["session_id"]?.stringValue ?? status.sessionID ?? "?"
            Output.line("session \(id) started: plan \(status.plan ?? plan), phase \(status.phaseText)")
            for member in chosen {
                Output.line("  \(member.key) plays the client's playlist \(member.value.stringValue ?? "")")
            }
            if status.state == "waiting_for_dose" || status.t0Seconds == nil && status.untilDose {
                Output.line("waiting for the dose: mark it with `inward dose` when it is given")
            }
        }
    }
}
