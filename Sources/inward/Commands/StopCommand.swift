import ArgumentParser

/// `inward stop` (Stop).
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the music: fade out. Once a dose is marked the record stays open (aftercare) until `inward discharge`.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: .stop) { s in
            s.t0Seconds == nil
                ? "stopping session \(s.sessionID ?? ""): fading out and closing the log".replacingOccurrences(of: "  ", with: " ")
                : "stopping the music of session \(s.sessionID ?? ""): fading out; the record stays open in aftercare "
                    + "until `inward discharge`"
        }
    }
}
