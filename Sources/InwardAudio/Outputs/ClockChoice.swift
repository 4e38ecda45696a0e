/// Which output is the session's clock: the one whose device paces the
/// session (the audio thread writes or waits by it, and every other output
/// steers towards the frame it plays).
///
/// The first output is the clock while it plays. When it is lost (or
/// rejoining, silent until in step), the clock passes to an output that
/// is playing: the one already holding it, otherwise the first in the
/// room's order. With none playing the wall clock paces the session (nil).
///
/// Pure: the caller passes each output's state; no clock, no I/O, no
/// allocation (safe on the audio thread).
public enum ClockChoice {
    /// An output as far as the clock is concerned.
    public enum Output: Sendable, Equatable {
        /// Heard, in step: it can pace the session.
        case playing
        /// Silent until it is in step (a device opened again), or lost: it cannot.
        case silent
    }

    /// The output to be the clock: 0 the first output, `k` the k-th after it
    /// (`following[k - 1]`), nil the wall clock.
    /// - Parameters:
    ///   - first: the first output.
    ///   - following: the outputs after it, in the room's order.
    ///   - current: the clock now (nil: the wall clock).
    public static func clock(first: Output, following: some Collection<Output>, current: Int?) -> Int? {
        if first == .playing { return 0 }
        // The output holding the clock keeps it while it plays: no hopping between outputs.
        if let current, current > 0, current <= following.count,
           following[following.index(following.startIndex, offsetBy: current - 1)] == .playing {
            return current
        }
        var k = 1
        for output in following {
            if output == .playing { return k }
            k += 1
        }
        return nil
    }
}
