import ArgumentParser
import Foundation
import InwardCore

/// `inward`: the therapist's command line.
@main
struct Inward: ParsableCommand {
    /// DESIGN.md puts global options before the command (`inward --json
    /// status`); ArgumentParser reads them on the subcommand, so they are
    /// moved after the command name before parsing. Usage errors exit 2.
    static func main() {
        let arguments = GlobalOptions.protectNegativeNumbers(
            GlobalOptions.hoist(Array(CommandLine.arguments.dropFirst())))
        if let unknown = unknownCommand(arguments) {
            Terminal.errLine(unknown)
            exit(withError: ExitCode(ExitStatus.usage))
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                Terminal.errLine(fullMessage(for: error))
                exit(withError: ExitCode(ExitStatus.usage))
            }
            exit(withError: error)
        }
    }

    /// "unknown command 'strat'; did you mean 'start'?" when the first word
    /// names no command (ArgumentParser only says the argument is unexpected).
    static func unknownCommand(_ arguments: [String]) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(word) else { return nil }
        let near = NearestKey.nearest(to: word, in: names).map { "; did you mean '\($0)'?" } ?? ""
        return "inward: unknown command '\(word)'\(near) (`inward --help` lists the commands)"
    }

    static let configuration = CommandConfiguration(
        commandName: "inward",
        abstract: "Set and keep the sound environment of a KAP session.",
        discussion: """
            Plans live in Playlists/ (TOML). Check one with `inward check PLAN` and \
            hear it before the client arrives with `inward render PLAN --out preview.wav`. \
            In the room: `inward start PLAN`, `inward dose`, `inward status --follow`, \
            `inward stop`. Exit codes: 0 done, 1 the daemon said no, 2 usage, 3 no daemon.
            """,
        subcommands: [
            PlansCommand.self, StartCommand.self, DoseCommand.self, StatusCommand.self,
            PauseCommand.self, ResumeCommand.self, CalmCommand.self, IntensityCommand.self, BrightnessCommand.self,
            HoldCommand.self, NextCommand.self,
            SkipCommand.self, VolumeCommand.self, OutputCommand.self, SilenceCommand.self, MarkCommand.self,
            StopCommand.self, DischargeCommand.self, ConsoleCommand.self,
            CheckCommand.self, RenderCommand.self, DevicesCommand.self,
            SessionsCommand.self, ReviewCommand.self, VerifyCommand.self,
        ]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "The daemon's control socket (default: $INWARD_SOCKET, else /run/inward/control; $XDG_RUNTIME_DIR/inward/control for a per-user daemon).",
        valueName: "path"), completion: .file())
    var socket: String?

    @Option(name: .long, help: ArgumentHelp(
        "The treatment room whose daemon to talk to (default: $INWARD_ROOM): socket /run/inward/ROOM/control, sessions in /var/lib/inward/ROOM.",
        valueName: "name"))
    var room: String?

    @Option(name: .long, help: ArgumentHelp(
        "Seconds to wait for each of the daemon's replies (default: $INWARD_TIMEOUT, else 5); a daemon started by its socket on the first command answers once it is up.",
        valueName: "seconds"))
    var timeout: Double?

    /// How long to wait for a reply: `--timeout`, else `$INWARD_TIMEOUT`, else 5 s (both checked by `validate`).
    var replyTimeout: Double { timeout ?? Self.environmentTimeout.flatMap(Double.init) ?? 5 }

    static var environmentTimeout: String? { ProcessInfo.processInfo.environment["INWARD_TIMEOUT"] }
    static let timeoutRange = 0.001...600.0

    func validate() throws {
        if let timeout, !Self.timeoutRange.contains(timeout) {
            throw ValidationError("--timeout must be more than 0 and at most 600 seconds")
        }
        if timeout == nil, let text = Self.environmentTimeout, !(Double(text).map(Self.timeoutRange.contains) ?? false) {
            throw ValidationError("INWARD_TIMEOUT='\(text)' must be a number of seconds, more than 0 and at most 600; unset it for the default 5 s")
        }
    }

    /// Global flags that may stand before the command name.
    static let flags: Set<String> = ["--json"]
    /// Global options with a value that may stand before the command name.
    static let options: Set<String> = ["--socket", "--room", "--timeout"]

    /// Moves global options found before the first command word to just after it.
    static func hoist(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if flags.contains(first) {
                leading.append(first)
                rest = rest.dropFirst()
            } else if options.contains(first), rest.count >= 2 {
                leading.append(contentsOf: rest.prefix(2))
                rest = rest.dropFirst(2)
            } else if let eq = first.firstIndex(of: "="), options.contains(String(first[..<eq])) {
                leading.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard let command = rest.first, !leading.isEmpty else { return arguments }
        return [command] + leading + rest.dropFirst()
    }

    /// Commands whose value may be negative (`inward volume -6dB`, `inward output speakers -6`).
    static let negativeValueCommands: Set<String> = ["volume", "output"]

    /// `-6`, `-6dB`, `-1.5 dB` read as an option by ArgumentParser; moves such a
    /// value to the end, after `--`, so it is read as the positional value.
    static func protectNegativeNumbers(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, negativeValueCommands.contains(command),
              !arguments.contains("--") else { return arguments }
        var kept: [String] = [command]
        var negatives: [String] = []
        for a in arguments.dropFirst() {
            let u = Array(a.utf8)
            if u.count >= 2, u[0] == UInt8(ascii: "-"), (u[1] >= 0x30 && u[1] <= 0x39) || u[1] == UInt8(ascii: ".") {
                negatives.append(a)
            } else {
                kept.append(a)
            }
        }
        return negatives.isEmpty ? arguments : kept + ["--"] + negatives
    }
}
