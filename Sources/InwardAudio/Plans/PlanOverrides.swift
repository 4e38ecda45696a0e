public import InwardCore
import Foundation

extension LoadedPlan {
    /// Plays `playlist` (read from `file`) in phase `index` instead of what
    /// the plan names there; the playlist's problems join the plan's warnings.
    public mutating func override(phase index: Int, file: String, playlist: Playlist) {
        plan.phases[index].source = .playlist(path: file)
        playlists[index] = playlist.entries
        warnings += playlist.diagnostics.map { var d = $0; d.severity = .warning; return d }
    }

    /// The phase index of `name` (case-insensitive), or nil.
    public func phaseIndex(named name: String) -> Int? {
        plan.phases.firstIndex { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// How much of each playlist phase its playlist fills, by phase index:
    /// reads each track's header for its length (not its audio).
    public func playlistCoverage() -> [(phase: Int, coverage: PlaylistCoverage)] {
        // Phases only: calm's playlist (its key `LoadedPlan.calm`) loops and has no length to cover.
        playlists.keys.sorted().filter { plan.phases.indices.contains($0) }.map { index in
            let lengths = (playlists[index] ?? []).map { TrackLength.seconds(of: $0.path) }
            return (index, PlaylistCoverage(trackSeconds: lengths, crossfade: plan.phases[index].crossfade,
                                            phase: plan.phases[index]))
        }
    }
}

/// A track's length from its header, without decoding it.
public enum TrackLength {
    /// Seconds, or nil when the file cannot be opened or its header does not say.
    public static func seconds(of path: String) -> Double? {
        guard let file = try? AudioFile(path: path), let frames = file.knownFrames, file.sampleRate > 0 else { return nil }
        return Double(frames) / Double(file.sampleRate)
    }
}
