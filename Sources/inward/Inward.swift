import ArgumentParser

/// `inward`: the therapist's command line.
@main
struct Inward: ParsableCommand {
    /// DESIGN.md puts global options before the command (`inward --json
    /// status`); ArgumentParser reads them on the subcommand, so they are
    /// moved after the command name before parsing.
    static func main() {
        main(GlobalOptions.hoist(Array(CommandLine.arguments.dropFirst())))
    }

    static let configuration = CommandConfiguration(
        commandName: "inward",
        abstract: "Set and keep the sound environment of a KAP session.",
        discussion: """
            Plans live in Playlists/ (TOML). Check one with `inward check PLAN` and \
            hear it before the client arrives with `inward render PLAN --out preview.wav`.
            """,
        subcommands: [CheckCommand.self, RenderCommand.self, DevicesCommand.self, SessionsCommand.self, ReviewCommand.self, VerifyCommand.self]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    /// Global flags that may stand before the command name.
    static let flags: Set<String> = ["--json"]

    /// Moves global flags found before the first command word to just after it.
    static func hoist(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first, flags.contains(first) {
            leading.append(first)
            rest = rest.dropFirst()
        }
        guard let command = rest.first, !leading.isEmpty else { return arguments }
        return [command] + leading + rest.dropFirst()
    }
}
