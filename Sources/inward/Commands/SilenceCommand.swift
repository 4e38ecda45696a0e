import ArgumentParser

/// `inward silence` (Silence).
struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "Silence now: a gentle fade to silence within 3 s.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: .silence) { _ in
            "silencing (fade of at most 3 s); the clock runs on, `inward resume` brings the sound back"
        }
    }
}
