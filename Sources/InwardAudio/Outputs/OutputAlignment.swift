/// How an output falls in step with the session's clock output, silent,
/// before it is heard: an output after the first when it starts or its
/// device comes back (`OutputFollower`), and the first output when its
/// device comes back after the clock was handed over (`ClockHandover`).
///
/// The rules (docs/outputs.md): its offset to the clock (positive: it lags) is averaged over a quarter of
/// a second at a time; an average of 1 ms or more is jumped away at once
/// (the caller writes that many frames less, or more, of silence); it is in
/// step once `steadyAverages` averages in a row lie within `steadySpan` of
/// each other, and then jumps by their mean and fades in. After
/// `maxAverages` it fades in all the same.
///
/// Pure: the caller passes each measurement and how many frames it covers;
/// no clock, no I/O. Its storage is allocated once, in `init`: safe on the
/// audio thread afterwards.
public struct OutputAlignment: Sendable {
    /// Averages in a row that must agree (2 s at a quarter of a second each).
    public static let steadyAverages = 8
    /// How far they may lie apart, seconds.
    public static let steadySpan = 0.0005
    /// Averages after which the output fades in all the same (12 s).
    public static let maxAverages = 48
    /// An average this far off, seconds, is jumped away at once.
    public static let jumpSeconds = 0.001

    /// What the caller does after a measurement.
    public enum Step: Sendable, Equatable {
        /// Stay silent and measure again.
        case wait
        /// Shift the output by this many frames (positive: drop, it lags), still silent.
        case jump(Double)
        /// Shift it by this many frames and fade it in: it is in step.
        case fadeIn(jump: Double)
    }

    private let rate: Double
    private var sum = 0.0
    private var sumFrames = 0
    private var count = 0
    private var attempts = 0
    private var steady = 0
    private var averages: [Double]

    public init(sampleRate: Int) {
        rate = Double(max(1, sampleRate))
        averages = [Double](repeating: 0, count: Self.steadyAverages)
    }

    /// Starts over (the device opened again, or lost while aligning).
    public mutating func reset() {
        sum = 0
        sumFrames = 0
        count = 0
        attempts = 0
        steady = 0
        lastAverage = 0
        for i in averages.indices { averages[i] = 0 }
    }

    /// Averages taken since the last `reset`.
    public var averagesTaken: Int { attempts }
    /// The last quarter-second average of the offset, frames (0 before the first).
    public private(set) var lastAverage = 0.0

    /// One measurement of the offset, frames, taken after a write of `frames` frames.
    public mutating func measure(offset: Double, frames: Int) -> Step {
        sum += offset
        count += 1
        sumFrames += frames
        guard Double(sumFrames) >= rate / 4 else { return .wait }
        let average = sum / Double(count)
        lastAverage = average
        sum = 0
        count = 0
        sumFrames = 0
        attempts += 1
        var jump = 0.0
        if abs(average) >= rate * Self.jumpSeconds {
            jump = average
            steady = 0
        } else {
            averages[steady % Self.steadyAverages] = average
            steady += 1
        }
        let window = min(steady, Self.steadyAverages)
        var low = Double.infinity, high = -Double.infinity, mean = 0.0
        for i in 0..<window {
            low = min(low, averages[i])
            high = max(high, averages[i])
            mean += averages[i]
        }
        if window > 0 { mean /= Double(window) }
        let settled = window == Self.steadyAverages && high - low < rate * Self.steadySpan
        if settled || attempts >= Self.maxAverages {
            return .fadeIn(jump: jump != 0 ? jump : mean)
        }
        return jump != 0 ? .jump(jump) : .wait
    }
}
