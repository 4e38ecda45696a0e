import ArgumentParser
import InwardPOSIX
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `inward skip` (Skip), naming the track it crossfades to.
struct SkipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "Crossfade to the next track of the playlist, and say which it is.")
    @OptionGroup var global: GlobalOptions

    /// How long to look for the next track in the status after the reply.
    static let lookSeconds = 3.0

    func run() throws {
        try withDaemon(global) { daemon in
            let reply = try daemon.call(SessionMethod.skip, ["by": SessionAPI.by])
            if global.json { return Output.json(reply) }
            // The reply's status is the session as the skip found it (the track it leaves); the
            // next deck starts just after: watch the status until the track changes.
            var status = SessionStatus(json: reply["status"]?.objectValue ?? [:])
            let before = status.track
            let deadline = MonotonicClock.seconds + Self.lookSeconds
            while Self.sameTrack(status.track, before), MonotonicClock.seconds < deadline {
                usleep(50_000)
                // An answer without a status (an older daemon) ends the look: the plain line follows.
                guard let next = try? daemon.call(SessionMethod.status)["status"]?.objectValue else { break }
                status = SessionStatus(json: next)
            }
            if let next = status.track, !Self.sameTrack(next, before) {
                let name = next.title.map { t in next.artist.map { "\(t) — \($0)" } ?? t } ?? next.path
                Output.line("skipping: crossfading to track \(next.index + 1), \(name)")
            } else if status.track == nil {
                Output.line("skipping: the playlist has no next track; the phase goes on with its soundscape")
            } else {
                Output.line("skipping: crossfading to the next track")
            }
        }
    }

    static func sameTrack(_ a: SessionStatus.Track?, _ b: SessionStatus.Track?) -> Bool {
        a?.index == b?.index && a?.path == b?.path
    }
}
