/// How much of a phase a playlist fills: its playing length (tracks one after
/// another, each crossfade overlapping two of them) against the phase's
/// planned length and the most it may be held. Where the playlist runs out,
/// the fallback soundscape plays, so a short playlist is worth a word before
/// the session, not a refusal.
public struct PlaylistCoverage: Sendable, Equatable {
    /// Seconds the playlist plays; nil when a track's length is unknown.
    public var playlistSeconds: Double?
    /// Tracks whose length could not be read.
    public var unknownTracks: Int
    public var tracks: Int
    /// The phase's planned length (nil: until the dose) and its maximum extension.
    public var phaseSeconds: Double?
    public var maxExtendSeconds: Double

    /// - Parameters:
    ///   - trackSeconds: each track's length, nil where it is not known.
    ///   - crossfade: the phase's crossfade between tracks, seconds.
    public init(trackSeconds: [Double?], crossfade: Double, phase: Phase) {
        tracks = trackSeconds.count
        unknownTracks = trackSeconds.filter { $0 == nil }.count
        let known = trackSeconds.compactMap { $0 }
        if unknownTracks == 0 {
            // A crossfade is at most half of the shorter track, as the player makes it.
            var total = known.first ?? 0
            for i in known.indices.dropFirst() {
                total += known[i] - min(crossfade, known[i] / 2, known[i - 1])
            }
            playlistSeconds = max(0, total)
        } else {
            playlistSeconds = nil
        }
        if case .fixed(let s) = phase.length { phaseSeconds = s } else { phaseSeconds = nil }
        maxExtendSeconds = phase.maxExtend
    }

    /// How the playlist stands against the phase.
    public enum Verdict: String, Sendable, Equatable {
        /// It fills the phase and every hold.
        case covers
        /// It fills the phase as planned but not its longest hold.
        case shortOfHolds = "short_of_holds"
        /// It ends before the phase does.
        case short
        /// The phase lasts until the dose, or a track's length is unknown.
        case unknown
    }

    public var verdict: Verdict {
        guard let have = playlistSeconds, let phase = phaseSeconds else { return .unknown }
        if have + 0.5 < phase { return .short }
        if have + 0.5 < phase + maxExtendSeconds { return .shortOfHolds }
        return .covers
    }

    /// One line for `check`, e.g. "playlist 12:00 for a phase of 15:00, up
    /// to 25:00 with holds: the soundscape fills the rest".
    public var text: String {
        guard tracks > 0 else { return "the playlist has no playable entries: the soundscape plays the whole phase" }
        guard let have = playlistSeconds else {
            return "the length of \(unknownTracks) of \(tracks) tracks cannot be read: the playlist's length is not known"
        }
        let count = " (\(tracks) track\(tracks == 1 ? "" : "s"))"
        var line = "playlist \(Self.clock(have)) for a phase of "
        guard let phase = phaseSeconds else { return line + "until the dose: the soundscape fills any time after it" + count }
        line += Self.clock(phase)
        if maxExtendSeconds > 0 { line += ", up to \(Self.clock(phase + maxExtendSeconds)) with holds" }
        switch verdict {
        case .short: return line + ": the soundscape fills the rest" + count
        case .shortOfHolds: return line + ": the soundscape fills the rest of a long hold" + count
        case .covers, .unknown: return line + ": covered" + count
        }
    }

    /// m:ss, or h:mm:ss from an hour.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let h = total / 3600, m = (total / 60) % 60, s = total % 60
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)" }
        return "\(m):\(ss)"
    }
}
