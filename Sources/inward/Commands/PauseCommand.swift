import ArgumentParser

/// `inward pause` (Pause).
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Fade the music down; the session clock runs on.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: .pause) { _ in
            "paused: the music fades down; the session clock runs on (`inward resume` brings it back)"
        }
    }
}
