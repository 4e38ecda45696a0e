import ArgumentParser

/// `inward skip` (Skip).
struct SkipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "Crossfade to the next track of the playlist.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try SimpleControl.run(global, method: .skip) { s in
            s.hasTrack ? "skipping: crossfading to \(s.trackText)" : "skipping: crossfading to the next track"
        }
    }
}
