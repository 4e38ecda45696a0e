import Foundation
import InwardCore

/// Pitch material of the soundscape: scale steps, just-intonation ratios
/// relative to the root (so drone, fifths and chord tones lock without
/// beating), and the chord centres the slow harmonic changes move between.
enum SoundscapeHarmony {
    /// Semitone offsets of the scale's degrees above the root.
    static func steps(_ scale: Scale) -> [Int] {
        switch scale {
        case .major: return [0, 2, 4, 5, 7, 9, 11]
        case .minor: return [0, 2, 3, 5, 7, 8, 10]
        case .dorian: return [0, 2, 3, 5, 7, 9, 10]
        case .lydian: return [0, 2, 4, 6, 7, 9, 11]
        case .mixolydian: return [0, 2, 4, 5, 7, 9, 10]
        case .pentatonic: return [0, 2, 4, 7, 9]
        }
    }

    /// Scale-degree indices chord centres are drawn from (the tonic twice, so
    /// it returns most often). Only consonant triads of each mode.
    static func centres(_ scale: Scale) -> [Int] {
        switch scale {
        case .major: return [0, 0, 3, 5, 4, 1]        // I I IV vi V ii
        case .minor: return [0, 0, 3, 5, 6, 2]        // i i iv VI VII III
        case .dorian: return [0, 0, 3, 6, 2, 1]       // i i IV VII III ii
        case .lydian: return [0, 0, 1, 4, 6]          // I I II V vii
        case .mixolydian: return [0, 0, 6, 3, 4]      // I I bVII IV v
        case .pentatonic: return [0, 0, 1, 3, 4]
        }
    }

    /// 5-limit just ratios for each semitone above the root.
    static let justRatio: [Double] = [
        1, 16.0 / 15, 9.0 / 8, 6.0 / 5, 5.0 / 4, 4.0 / 3,
        45.0 / 32, 3.0 / 2, 8.0 / 5, 5.0 / 3, 9.0 / 5, 15.0 / 8,
    ]

    /// Frequency (Hz) of the key's lowest root, which the drone sits on:
    /// octave 2 for C...F# (65...92 Hz), octave 1 for G...B (49...62 Hz), so
    /// the register stays within about half an octave whatever the key.
    /// Equal-tempered against A4 = 440 Hz.
    static func rootHz(_ root: Int) -> Double {
        let pc = ((root % 12) + 12) % 12
        let midi = (pc >= 7 ? 24 : 36) + pc
        return 440 * pow2(Double(midi - 69) / 12)
    }

    static func pow2(_ x: Double) -> Double { Foundation.exp2(x) }
}
