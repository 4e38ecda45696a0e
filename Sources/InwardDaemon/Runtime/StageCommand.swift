/// A control the real-time thread applies to the output stage at the start
/// of its next period. Plain values only: it crosses threads through a
/// `CommandRing`.
public enum StageCommand: BitwiseCopyable, Sendable {
    case volume(db: Double, seconds: Double)
    case pause(seconds: Double)
    case resume(seconds: Double)
    case silence(seconds: Double)
    case stop(seconds: Double)
    /// The first output's own level and on/off (the others take theirs on their own threads).
    case outputLevel(db: Double, seconds: Double)
    case outputOn(Bool)
    case none
}
