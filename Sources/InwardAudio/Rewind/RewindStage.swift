/// A processing stage whose whole state can be saved and restored without
/// allocating, so that `RewindHistory` can put it back to where it stood at
/// any queued period and process the same input again, sample for sample.
///
/// `OutputStage` is one (the offline renderer's controls and limiter); the
/// daemon's clock output chains the master controls and the output's own
/// level and limiter into another. Not thread-safe: the writer thread only.
public protocol RewindStage: AnyObject {
    /// A stage with the same settings and a copy of this one's state (allocates: call at setup).
    func copy() -> Self
    /// Makes this stage's state a copy of `other`'s. No allocation.
    func assign(from other: Self)
    /// Processes `frames` interleaved stereo frames in place. No allocation.
    func process(_ buffer: UnsafeMutablePointer<Float>, frames: Int)
}

extension OutputStage: RewindStage {}
