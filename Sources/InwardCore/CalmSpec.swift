/// The plan's calm harbour (`[calm]`): the sound `inward calm` crossfades
/// to at once for a distressed client, and its level.
public struct CalmSpec: Sendable, Equatable {
    /// What calm plays: a soundscape (a playlist calm is not supported yet).
    public var source: SourceSpec
    /// Its level, dBFS; calm plays at the lower of this and the level heard
    /// when it is asked for.
    public var levelDB: Double
    /// How long the crossfade to calm and back takes, seconds (at most `maxCrossfade`).
    public var crossfade: Double

    /// Calm is reached within this, however the phase stands.
    public static let maxCrossfade = 8.0

    public init(source: SourceSpec, levelDB: Double, crossfade: Double = 6) {
        self.source = source
        self.levelDB = levelDB
        self.crossfade = crossfade
    }
}
