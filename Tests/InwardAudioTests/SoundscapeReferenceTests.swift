import Foundation
import InwardAudio
import InwardCore
import Testing

/// The soundscape keeps its sound while its code changes (issue: real-time
/// efficiency): renders of a few settings are measured (`SoundscapeFigures`)
/// and compared with figures stored from the implementation before the
/// optimisation, `Fixtures/soundscape-reference.json`.
///
/// Tolerances: each 1/3-octave band within 0.5 dB (1.5 dB for bands below
/// -90 dBFS, where a change of a few LSB of noise shows), side/mid within
/// 0.5 dB, integrated loudness within 0.2 LU, loudness range within 0.5 LU,
/// RMS within 0.2 dB, peak within 0.5 dB.
///
/// `INWARD_SOUNDSCAPE_SECONDS=N` renders N s instead of the normal 40 (the
/// fixture holds a 40 s and a 600 s reference: `scripts/soundscape-reference`
/// runs the long one); `INWARD_SOUNDSCAPE_REFERENCE=write` stores the figures
/// of the current code as the reference instead of comparing.
@Suite struct SoundscapeReferenceTests {
    static let settings: [(String, SoundscapeParameters)] = [
        ("im-arrival", SoundscapeParameters(intensity: 0.25, brightness: 0.55, root: 2, scale: .major, seed: 11)),
        ("still-dark", SoundscapeParameters(intensity: 0, brightness: 0, root: 7, scale: .minor, seed: 3)),
        ("dense-bright", SoundscapeParameters(intensity: 1, brightness: 1, root: 9, scale: .dorian, seed: 5)),
    ]

    static var fixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/soundscape-reference.json")
    }

    static var seconds: Int {
        Int(ProcessInfo.processInfo.environment["INWARD_SOUNDSCAPE_SECONDS"] ?? "") ?? 40
    }

    /// reference[seconds][setting]
    typealias Reference = [String: [String: SoundscapeFigures]]

    @Test func rendersSoundLikeTheStoredReference() throws {
        let seconds = Self.seconds
        var measured: [String: SoundscapeFigures] = [:]
        for (name, parameters) in Self.settings {
            let samples = SoundscapeProbe.render(parameters, seconds: Double(seconds), chunk: 997)
            measured[name] = SoundscapeFigures.measure(samples, rate: SoundscapeProbe.rate)
        }
        let data = try? Data(contentsOf: Self.fixture)
        var reference = data.flatMap { try? JSONDecoder().decode(Reference.self, from: $0) } ?? [:]

        if ProcessInfo.processInfo.environment["INWARD_SOUNDSCAPE_REFERENCE"] == "write" {
            reference[String(seconds)] = measured
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(reference).write(to: Self.fixture)
            return
        }
        let stored = try #require(reference[String(seconds)],
                                  "\(Self.fixture.path) holds no \(seconds) s reference; write one with INWARD_SOUNDSCAPE_REFERENCE=write from the reference code")
        for (name, _) in Self.settings {
            let want = try #require(stored[name], "no reference for setting \(name)")
            let got = try #require(measured[name])
            for (k, centre) in SoundscapeFigures.bandCentres.enumerated() {
                let tolerance = want.bandsDB[k] < -90 ? 1.5 : 0.5
                #expect(abs(got.bandsDB[k] - want.bandsDB[k]) <= tolerance,
                        "\(name): 1/3-octave band \(Int(centre)) Hz at \(got.bandsDB[k]) dB, reference \(want.bandsDB[k]) dB (±\(tolerance))")
            }
            #expect(abs(got.sideToMidDB - want.sideToMidDB) <= 0.5, "\(name): side/mid \(got.sideToMidDB) dB, reference \(want.sideToMidDB)")
            #expect(abs(got.loudnessLUFS - want.loudnessLUFS) <= 0.2, "\(name): \(got.loudnessLUFS) LUFS, reference \(want.loudnessLUFS)")
            #expect(abs(got.loudnessRangeLU - want.loudnessRangeLU) <= 0.5, "\(name): LRA \(got.loudnessRangeLU) LU, reference \(want.loudnessRangeLU)")
            #expect(abs(got.rmsDB - want.rmsDB) <= 0.2, "\(name): RMS \(got.rmsDB) dB, reference \(want.rmsDB)")
            #expect(abs(got.peakDB - want.peakDB) <= 0.5, "\(name): peak \(got.peakDB) dB, reference \(want.peakDB)")
        }
    }

    /// The comparison can fail: a soundscape one notch brighter is caught.
    @Test func aBrighterRenderIsCaught() throws {
        let base = SoundscapeParameters(intensity: 0.25, brightness: 0.55, root: 2, scale: .major, seed: 11)
        var brighter = base
        brighter.brightness = 0.65
        let a = SoundscapeFigures.measure(SoundscapeProbe.render(base, seconds: 20), rate: SoundscapeProbe.rate)
        let b = SoundscapeFigures.measure(SoundscapeProbe.render(brighter, seconds: 20), rate: SoundscapeProbe.rate)
        let outside = zip(a.bandsDB, b.bandsDB).filter { abs($0 - $1) > 0.5 }.count
        #expect(outside > 0, "a brightness change of 0.1 moves no 1/3-octave band by more than 0.5 dB")
    }
}
