import ArgumentParser

/// `inward`: the therapist's command line.
@main
struct Inward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inward",
        abstract: "Set and keep the sound environment of a KAP session.",
        discussion: """
            Plans live in Playlists/ (TOML). Check one with `inward check PLAN` and \
            hear it before the client arrives with `inward render PLAN --out preview.wav`.
            """,
        subcommands: [CheckCommand.self, RenderCommand.self, DevicesCommand.self]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}
