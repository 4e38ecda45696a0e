/// The plan's `[headphones_off]` table: when the client takes the headphones
/// off (`mark headphones-off`), one output of the room (the speakers) comes up
/// by `raiseDB` so the room does not go quiet; `mark headphones-on` takes it
/// back down. Absent from a plan: the marks change no level.
public struct HeadphonesOffRaise: Sendable, Equatable {
    /// The output raised, by its name in the room's config.
    public var output: String
    /// How far it comes up, dB (> 0, at most `maxDB`).
    public var raiseDB: Double

    /// The most a plan may raise an output by, dB (an output's own level stops at +12 dB too).
    public static let maxDB = 12.0
    /// The output raised when the plan names none.
    public static let defaultOutput = "speakers"

    public init(output: String = Self.defaultOutput, raiseDB: Double) {
        self.output = output
        self.raiseDB = raiseDB
    }
}
