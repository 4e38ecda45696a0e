/// How long a phase lasts.
public enum PhaseLength: Sendable, Equatable {
    /// A fixed length in seconds, counted from the phase's start.
    case fixed(Double)
    /// Until the therapist marks the dose (T0).
    case untilDose
}

/// One named stretch of a session (arrival, onset, peak, return, ...).
public struct Phase: Sendable, Equatable {
    public var name: String
    public var length: PhaseLength
    public var source: SourceSpec
    /// Gain applied to the phase's source, in dB (<= the plan's cap).
    public var levelDB: Double
    /// Fade from silence when the phase begins, seconds.
    public var fadeIn: Double
    /// Fade to silence when the phase ends, seconds; it starts at the phase's
    /// end boundary and overlaps the next phase's fade-in (for the last phase it
    /// ends at the session's end).
    public var fadeOut: Double
    /// Equal-power crossfade between consecutive tracks of a playlist, seconds.
    public var crossfade: Double
    /// The most the therapist may extend this phase by, in total, seconds.
    public var maxExtend: Double
    /// Line of the phase's `[[phase]]` header in the plan file.
    public var line: Int

    public init(name: String, length: PhaseLength, source: SourceSpec, levelDB: Double = -12,
                fadeIn: Double = 10, fadeOut: Double = 10, crossfade: Double = 8,
                maxExtend: Double = 0, line: Int = 0) {
        self.name = name
        self.length = length
        self.source = source
        self.levelDB = levelDB
        self.fadeIn = fadeIn
        self.fadeOut = fadeOut
        self.crossfade = crossfade
        self.maxExtend = maxExtend
        self.line = line
    }
}
