import Foundation

/// One generative pad voice: a detuned L/R pair of wavetable oscillators under
/// a slow raised-cosine envelope (rest -> attack -> hold -> release -> rest).
/// Its pitch is chosen only at the start of an attack, i.e. while silent, so
/// harmony changes never glide or step audibly.
struct PadVoice {
    enum Stage: UInt8 { case resting, attack, hold, release }

    var stage: Stage = .resting
    /// Length and progress of the current stage, in control blocks.
    var stageBlocks = 1
    var stageProgress = 0
    /// Envelope value (0...1) at the end of the previous block.
    var envelope: Float = 0
    /// Peak gain of the current note and its equal-power pan gains.
    var peak: Float = 0
    var panL: Float = 0.7
    var panR: Float = 0.7
    /// Semitones above the drone root (`SoundscapeHarmony.rootHz`); -1 when none chosen yet.
    var semitone = -1
    var phaseL: UInt32 = 0
    var phaseR: UInt32 = 0
    var incL: UInt32 = 0
    var incR: UInt32 = 0
    /// cos and sin of pi * progress / blocks in an attack or release, and the per-block rotation.
    var swingCos = 1.0
    var swingSin = 0.0
    var stepCos = 1.0
    var stepSin = 0.0

    var isSounding: Bool { stage != .resting || envelope > 0 }

    /// Envelope value at the end of the current block, after advancing one block.
    /// Returns true when the stage has just finished.
    mutating func advance() -> Bool {
        stageProgress += 1
        if stage == .attack || stage == .release {
            // cos(pi * progress / blocks) by rotation: no cos call per block.
            if stageProgress >= stageBlocks {
                (swingCos, swingSin) = (-1, 0)
            } else {
                (swingCos, swingSin) = (swingCos * stepCos - swingSin * stepSin, swingSin * stepCos + swingCos * stepSin)
            }
        }
        switch stage {
        case .resting: envelope = 0
        case .attack: envelope = Float(0.5 - 0.5 * swingCos)
        case .hold: envelope = 1
        case .release: envelope = Float(0.5 + 0.5 * swingCos)
        }
        if stageProgress >= stageBlocks {
            if stage == .release { envelope = 0 }
            return true
        }
        return false
    }

    mutating func enter(_ next: Stage, blocks: Int) {
        stage = next
        stageBlocks = max(1, blocks)
        stageProgress = 0
        if next == .attack || next == .release {
            (swingCos, swingSin) = (1, 0)
            stepCos = cos(Double.pi / Double(stageBlocks))
            stepSin = sin(Double.pi / Double(stageBlocks))
        }
    }

    /// Adds this voice into the block's L/R buses, ramping the gain linearly from
    /// `startEnvelope` to the current envelope across the block.
    mutating func render(table: UnsafeMutablePointer<Float>, startEnvelope: Float,
                         left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>,
                         frames: Int) {
        if startEnvelope == 0 && envelope == 0 { return }
        let gL = startEnvelope * peak * panL
        let gR = startEnvelope * peak * panR
        let step = 1 / Float(frames)
        let dL = (envelope * peak * panL - gL) * step
        let dR = (envelope * peak * panR - gR) * step
        phaseL = wavetableAccumulate(table, phase: phaseL, increment: incL, gain: gL, step: dL, into: left, frames: frames)
        phaseR = wavetableAccumulate(table, phase: phaseR, increment: incR, gain: gR, step: dR, into: right, frames: frames)
    }
}
