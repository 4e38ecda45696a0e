import ArgumentParser

/// `inward resume` (Resume).
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Fade the music back up after pause or silence, or cross back from calm.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: .resume) { s in "resuming: fading back up in phase \(s.phaseText)" }
    }
}
