/// A client's own playlist for one phase of a plan, given at the start
/// (`inward start PLAN --playlist PHASE=FILE.m3u8`) instead of a plan file of
/// their own: the phase plays it in place of the plan's source, with the
/// plan's level, fades, crossfade and holds.
public struct PlaylistOverride: Sendable, Equatable {
    /// The phase's index in the plan, and its name.
    public var phase: Int
    public var phaseName: String
    /// The playlist file (absolute), and the SHA-256 of its content.
    public var file: String
    public var sha256: String

    public init(phase: Int, phaseName: String, file: String, sha256: String) {
        self.phase = phase
        self.phaseName = phaseName
        self.file = file
        self.sha256 = sha256
    }
}

/// A soundscape's settings as the therapist changed them live (Intensity,
/// Brightness), with the voice they were changed on: a phase's index, or
/// `calmVoice` for the calm harbour. A restarted daemon plays them again
/// while that voice still plays.
public struct LiveSoundscape: Sendable, Equatable {
    public static let calmVoice = -1
    public var phase: Int
    public var intensity: Double
    public var brightness: Double

    public init(phase: Int, intensity: Double, brightness: Double) {
        self.phase = phase
        self.intensity = intensity
        self.brightness = brightness
    }
}
