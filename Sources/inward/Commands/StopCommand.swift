import ArgumentParser

/// `inward stop` (Stop).
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "End the session: fade out and close its log. The daemon stays up.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: .stop) { s in
            "stopping session \(s.sessionID ?? ""): fading out and closing the log".replacingOccurrences(of: "  ", with: " ")
        }
    }
}
