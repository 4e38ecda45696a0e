import Foundation

/// `sin(2π · hz · t + phase)` at the end of each control block (t = (k + 1) ·
/// blockSeconds for the k-th call), by rotating a phasor: a complex multiply
/// per block instead of a `sin` call. Re-anchored with `sin`/`cos` every
/// 4096 blocks (about 5 s at 48 kHz), so rounding cannot build up over hours.
/// Owned by one soundscape; not thread-safe.
struct SlowSine {
    private let radiansPerSecond: Double
    private let blockSeconds: Double
    private let phase: Double
    private let stepCos: Double
    private let stepSin: Double
    private var cosine = 1.0
    private var sine = 0.0
    private var block = 0

    static let anchorEvery = 4096

    init(hz: Double, blockSeconds: Double, phase: Double) {
        radiansPerSecond = 2 * Double.pi * hz
        self.blockSeconds = blockSeconds
        self.phase = phase
        let step = radiansPerSecond * blockSeconds
        stepCos = cos(step)
        stepSin = sin(step)
    }

    /// The value at the end of the next block.
    mutating func next() -> Double {
        block += 1
        if block % SlowSine.anchorEvery == 1 {
            let angle = radiansPerSecond * (Double(block) * blockSeconds) + phase
            cosine = cos(angle)
            sine = sin(angle)
        } else {
            (cosine, sine) = (cosine * stepCos - sine * stepSin, sine * stepCos + cosine * stepSin)
        }
        return sine
    }
}
