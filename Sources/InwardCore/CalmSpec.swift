/// The plan's calm harbour (`[calm]`): the sound `inward calm` crossfades
/// to at once for a distressed client, and its level.
public struct CalmSpec: Sendable, Equatable {
    /// What calm plays: a soundscape, or a playlist (looped; a soundscape
    /// stands in when none of its files plays).
    public var source: SourceSpec
    /// Its level, dBFS; calm plays at the lower of this and the level heard
    /// when it is asked for.
    public var levelDB: Double
    /// How long the crossfade to calm and back takes, seconds (at most `maxCrossfade`).
    public var crossfade: Double
    /// Line of a playlist source's `path` in the plan, for problems found
    /// once the playlist is read (an empty one).
    public var line: Int?

    /// Calm is reached within this, however the phase stands.
    public static let maxCrossfade = 8.0

    public init(source: SourceSpec, levelDB: Double, crossfade: Double = 6, line: Int? = nil) {
        self.line = line
        self.source = source
        self.levelDB = levelDB
        self.crossfade = crossfade
    }
}
