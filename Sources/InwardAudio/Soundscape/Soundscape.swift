public import InwardCore
import Foundation

/// The built-in generative ambient bed: an endless, slowly evolving pad in the
/// given key, with a root/fifth drone, soft filtered noise ("distant surf") and
/// a long reverb. No pulse, no steps, no glides; same parameters and sample
/// rate always give the same samples, however the reads are chunked.
///
/// Level: long-term RMS about -20 dBFS (about -21.5 at intensity 0, -18.5 at
/// intensity 1); peaks are held below -3 dBFS by a soft limiter whose knee
/// (from -6 dBFS) only the densest settings touch, rarely. Fades in from
/// silence over the first seconds (4 s master fade; drone 8 s; noise 6 s).
///
/// Parameters: `intensity` sets voice count (3...8), note lengths, noise level
/// and how far the filters wander; `brightness` sets harmonic content, filter
/// cutoffs and register; `root`/`scale` the key; `seed` the whole piece.
///
/// Real-time safe: everything is allocated in `init`; `read` renders 64-frame
/// blocks into a private buffer, so output does not depend on read sizes.
public final class Soundscape: FrameSource {
    public let parameters: SoundscapeParameters
    public let sampleRate: Int

    /// Frames per control block: envelopes, filters and decisions update once
    /// per block (1.3 ms at 48 kHz) and ramp linearly within it.
    static let blockFrames = 64
    static let maxVoices = 8

    private let rate: Double
    private let blockSeconds: Double
    private let activeVoices: Int

    // Preallocated render memory.
    private let output: UnsafeMutablePointer<Float>      // interleaved block
    private var outputUsed: Int                           // frames of `output` already read
    private let padL: UnsafeMutablePointer<Float>
    private let padR: UnsafeMutablePointer<Float>
    private let wetL: UnsafeMutablePointer<Float>
    private let wetR: UnsafeMutablePointer<Float>
    private let droneL: UnsafeMutablePointer<Float>
    private let droneR: UnsafeMutablePointer<Float>
    private let voices: UnsafeMutablePointer<PadVoice>
    private var dronePhaseL: UInt32 = 0
    private var dronePhaseR: UInt32 = 0
    private let droneIncL: UInt32
    private let droneIncR: UInt32

    private let padTable: Wavetable
    private let highPadTable: Wavetable
    private let droneTable: Wavetable
    private var noise: NoiseBed
    private let reverb: Reverb
    private var random: SoundscapeRandom

    // Harmony.
    private let steps: [Int]
    private let centres: [Int]
    private var centre = 0
    /// Current just ratio (1..<2) of each pitch class above the key root.
    private let pitchRatio: UnsafeMutablePointer<Double>
    private var blocksToChordChange = 0

    // Block clock and smoothed control values.
    private var block = 0
    private var padLowL: Float = 0
    private var padLowR: Float = 0
    private var droneGain: Float = 0
    private var masterGain: Float = 0
    private var padSum: Double
    private var padKeeper: Float = 1
    private let padSumReference: Double
    private let padSumCoefficient: Double
    // The slow modulations (periods of 14 s to 2 min), one phasor each.
    private var breathLFO: SlowSine
    private var sweepLFO: (SlowSine, SlowSine)
    private var windLFO: (SlowSine, SlowSine)
    private var surfLFO: SlowSine

    // Parameter-derived constants.
    private let brightness: Double
    private let restScale: Double
    private let holdScale: Double
    private let swellScale: Double
    private let motion: Double
    private let padCutoff: Double
    private let noiseCutoff: Double
    private let noiseLevel: Double
    private let droneLevel: Double
    private let padLevel: Double
    private let wetLevel: Float
    private let dryLevel: Float
    private let targetGain: Double
    private let air: Float
    private var airL: Float = 0
    private var airR: Float = 0
    private let fadeInSeconds = 4.0

    public init(parameters: SoundscapeParameters, sampleRate: Int) {
        self.parameters = parameters
        self.sampleRate = max(8000, sampleRate)
        rate = Double(self.sampleRate)
        blockSeconds = Double(Soundscape.blockFrames) / rate
        let i = min(max(parameters.intensity.isFinite ? parameters.intensity : 0.5, 0), 1)
        let b = min(max(parameters.brightness.isFinite ? parameters.brightness : 0.5, 0), 1)
        brightness = b
        activeVoices = 3 + Int((5 * i).rounded())
        // Low intensity: few voices, long slow swells that overlap (near-still).
        // High intensity: more voices with shorter notes, so more motion.
        restScale = 1.1 - 0.3 * i
        holdScale = 1.8 - 1.0 * i
        swellScale = 1.3 - 0.5 * i
        motion = 0.3 + 0.7 * i
        padCutoff = 550 * Foundation.exp2(2.6 * b)
        noiseCutoff = 220 * Foundation.exp2(2.6 * b)
        // Noise: +12 dB from intensity 0 to 1; less at high brightness, where it is hissier.
        noiseLevel = 0.05 * Foundation.exp2(2.0 * i) * (1.15 - 0.35 * b)
        droneLevel = 0.28 - 0.1 * i
        // Voice count (3...8) already raises the level with intensity.
        padLevel = 0.64 - 0.16 * i
        padSumReference = padLevel * (0.9 + 1.6 * i)
        padSum = padSumReference
        padSumCoefficient = Double(Soundscape.blockFrames) / (10 * Double(max(8000, sampleRate)))
        wetLevel = 0.2
        dryLevel = 0.8
        targetGain = 0.315 * (0.92 + 0.16 * i)
        // A fixed gentle top-end roll-off on the master, like distance.
        air = Float(1 - exp(-2 * Double.pi * (3000 + 3000 * b) / Double(max(8000, sampleRate))))

        let bf = Soundscape.blockFrames
        output = .allocate(capacity: 2 * bf)
        output.initialize(repeating: 0, count: 2 * bf)
        outputUsed = bf
        padL = .allocate(capacity: bf); padL.initialize(repeating: 0, count: bf)
        padR = .allocate(capacity: bf); padR.initialize(repeating: 0, count: bf)
        wetL = .allocate(capacity: bf); wetL.initialize(repeating: 0, count: bf)
        droneL = .allocate(capacity: bf); droneL.initialize(repeating: 0, count: bf)
        droneR = .allocate(capacity: bf); droneR.initialize(repeating: 0, count: bf)
        wetR = .allocate(capacity: bf); wetR.initialize(repeating: 0, count: bf)

        padTable = Wavetable(amplitudes: Wavetable.tilted(count: 8, tilt: 2.8 - 1.5 * b))
        // High notes use fewer harmonics so nothing sits above ~6 kHz.
        highPadTable = Wavetable(amplitudes: Wavetable.tilted(count: 4, tilt: 2.8 - 1.5 * b))
        droneTable = Wavetable(amplitudes: Soundscape.droneHarmonics(tilt: 2.9 - 1.3 * b))

        var control = SoundscapeRandom(seed: parameters.seed, stream: 1)
        var audioSeeds = SoundscapeRandom(seed: parameters.seed, stream: 2)
        noise = NoiseBed(seedL: audioSeeds.seed32(), seedR: audioSeeds.seed32())
        reverb = Reverb(sampleRate: rate, decaySeconds: 5.5, dampingHz: 2200 + 4500 * b)

        steps = SoundscapeHarmony.steps(parameters.scale)
        centres = SoundscapeHarmony.centres(parameters.scale)
        pitchRatio = .allocate(capacity: 12)
        for pc in 0..<12 { pitchRatio[pc] = SoundscapeHarmony.justRatio[pc] }

        let lfoPhase = (control.uniform(0, 2 * .pi), control.uniform(0, 2 * .pi), control.uniform(0, 2 * .pi),
                        control.uniform(0, 2 * .pi), control.uniform(0, 2 * .pi))
        let bs = blockSeconds
        breathLFO = SlowSine(hz: 0.0137, blockSeconds: bs, phase: lfoPhase.0)
        sweepLFO = (SlowSine(hz: 0.0091, blockSeconds: bs, phase: lfoPhase.1),
                    SlowSine(hz: 0.0223, blockSeconds: bs, phase: lfoPhase.2))
        windLFO = (SlowSine(hz: 0.0131, blockSeconds: bs, phase: lfoPhase.3),
                   SlowSine(hz: 0.0347, blockSeconds: bs, phase: lfoPhase.4))
        surfLFO = SlowSine(hz: 0.071, blockSeconds: bs, phase: lfoPhase.2 + lfoPhase.3)

        // Drone: one oscillator pair an octave below the root, whose table holds
        // root, fifth and octave as phase-locked partials. L and R share the
        // frequency (a detuned low drone would drift in and out of phase and
        // cancel in mono); a fixed phase offset widens its upper partials.
        let droneBase = SoundscapeHarmony.rootHz(parameters.root) / 2
        droneIncL = Wavetable.increment(hz: droneBase, sampleRate: rate)
        droneIncR = droneIncL
        dronePhaseL = UInt32(truncatingIfNeeded: control.next())
        dronePhaseR = dronePhaseL &+ UInt32(0.06 * 4_294_967_296.0)

        voices = .allocate(capacity: Soundscape.maxVoices)
        for v in 0..<Soundscape.maxVoices {
            var voice = PadVoice()
            voice.phaseL = UInt32(truncatingIfNeeded: control.next())
            voice.phaseR = UInt32(truncatingIfNeeded: control.next())
            // Staggered first entries; the first voice comes in early.
            let firstRest = v == 0 ? control.uniform(0.5, 2) : control.uniform(1, 14) * restScale
            voice.enter(.resting, blocks: Int(firstRest / blockSeconds))
            (voices + v).initialize(to: voice)
        }
        random = control
        centre = 0
        blocksToChordChange = Int(random.uniform(30, 60) / blockSeconds)
    }

    deinit {
        output.deallocate()
        padL.deallocate(); padR.deallocate()
        wetL.deallocate(); wetR.deallocate()
        droneL.deallocate(); droneR.deallocate()
        voices.deinitialize(count: Soundscape.maxVoices)
        voices.deallocate()
        pitchRatio.deallocate()
        reverb.deallocate()
    }

    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        let bf = Soundscape.blockFrames
        guard frames > 0 else { return 0 }
        var written = 0
        while written < frames {
            if outputUsed == bf {
                renderBlock()
                outputUsed = 0
            }
            let n = min(bf - outputUsed, frames - written)
            (buffer + 2 * written).update(from: output + 2 * outputUsed, count: 2 * n)
            outputUsed += n
            written += n
        }
        return frames
    }

    // MARK: - Control

    private func seconds(_ s: Double) -> Int { max(1, Int(s / blockSeconds)) }

    /// Moves a voice to its next stage; a new note's pitch is chosen here, at the
    /// end of a rest, while the voice is silent.
    private func nextStage(_ v: Int) {
        let voice = voices + v
        switch voice.pointee.stage {
        case .resting:
            if choosePitch(v) {
                voice.pointee.enter(.attack, blocks: seconds(random.uniform(5, 11) * swellScale))
            } else {
                voice.pointee.enter(.resting, blocks: seconds(random.uniform(2, 5)))
            }
        case .attack:
            voice.pointee.enter(.hold, blocks: seconds(random.uniform(2, 10) * holdScale))
        case .hold:
            voice.pointee.enter(.release, blocks: seconds(random.uniform(7, 15) * swellScale))
        case .release:
            voice.pointee.enter(.resting, blocks: seconds(random.uniform(3, 15) * restScale))
        }
    }

    private func choosePitch(_ v: Int) -> Bool {
        let count = steps.count
        for _ in 0..<6 {
            let degree = centre + 2 * random.below(3)
            let chordSemis = steps[degree % count] + 12 * (degree / count)
            let r = random.unit()
            // One to three octaves above the drone root (brighter settings sit higher).
            let octave = r < 0.45 - 0.25 * brightness ? 1 : (r < 0.85 - 0.1 * brightness ? 2 : 3)
            var semitone = chordSemis + 12 * octave
            if semitone > 36 { semitone -= 12 }   // keep pads at most three octaves above the drone root (< 800 Hz)
            // No unisons, seconds or semitone rubs against sounding voices, and at
            // most two octaves of one pitch class at a time (stacked octaves
            // pile partials on one frequency).
            var clash = false
            var samePitchClass = 0
            for o in 0..<activeVoices where o != v {
                let other = voices[o]
                guard other.isSounding, other.semitone >= 0 else { continue }
                let d = abs(other.semitone - semitone)
                if d == 0 || d == 2 || d % 12 == 1 || d % 12 == 11 { clash = true; break }
                if d % 12 == 0 { samePitchClass += 1 }
            }
            if clash || samePitchClass >= 2 { continue }

            let f = SoundscapeHarmony.rootHz(parameters.root) * tuning(semitone: semitone, chordRoot: steps[centre])
            let spread = random.uniform(0.012, 0.035)
            let voice = voices + v
            voice.pointee.semitone = semitone
            voice.pointee.incL = Wavetable.increment(hz: f - spread, sampleRate: rate)
            voice.pointee.incR = Wavetable.increment(hz: f + spread, sampleRate: rate)
            // Higher notes softer (by frequency, so every key balances alike).
            let tilt = Float(min(1, pow(280 / f, 0.7)))
            voice.pointee.peak = Float(random.uniform(0.7, 1.0) * padLevel) * tilt
            let pan = random.uniform(-0.75, 0.75)
            let theta = (pan + 1) * Double.pi / 4
            voice.pointee.panL = Float(cos(theta))
            voice.pointee.panR = Float(sin(theta))
            return true
        }
        return false
    }

    /// Just intonation relative to the current chord's root, so each new chord is
    /// pure; a pitch class that is already sounding (the drone's root and fifth
    /// always are) keeps its exact ratio, so overlapping chords never rub by a comma.
    private func tuning(semitone: Int, chordRoot: Int) -> Double {
        let pc = semitone % 12
        var ratio = pitchRatio[pc]
        var sounding = pc == 0 || pc == 7
        if !sounding {
            for o in 0..<activeVoices where voices[o].isSounding && voices[o].semitone >= 0 && voices[o].semitone % 12 == pc {
                sounding = true
                break
            }
        }
        if !sounding {
            let rootPc = chordRoot % 12
            let interval = ((pc - rootPc) % 12 + 12) % 12
            ratio = SoundscapeHarmony.justRatio[rootPc] * SoundscapeHarmony.justRatio[interval]
            if ratio >= 2 { ratio /= 2 }
            pitchRatio[pc] = ratio
        }
        return ratio * SoundscapeHarmony.pow2(Double(semitone / 12))
    }

    private func advanceHarmony() {
        blocksToChordChange -= 1
        guard blocksToChordChange <= 0 else { return }
        var next = centre
        while next == centre { next = centres[random.below(centres.count)] }
        centre = next
        blocksToChordChange = seconds(random.uniform(30, 60))
    }

    // MARK: - Audio

    private func renderBlock() {
        let bf = Soundscape.blockFrames
        let t = Double(block + 1) * blockSeconds
        block += 1
        advanceHarmony()

        padL.update(repeating: 0, count: bf)
        padR.update(repeating: 0, count: bf)

        // Pad voices.
        var sounding = 0.0
        let low = padTable.samples
        let high = highPadTable.samples
        for v in 0..<activeVoices {
            let voice = voices + v
            let start = voice.pointee.envelope
            if voice.pointee.advance() { nextStage(v) }
            let table = voice.pointee.semitone >= 31 ? high : low
            voice.pointee.render(table: table, startEnvelope: start, left: padL, right: padR, frames: bf)
            sounding += Double(voice.pointee.envelope * voice.pointee.peak)
        }

        // Slow level keeper: the summed voice amplitude (known exactly from the
        // envelopes), smoothed over ~10 s, pulls the pad bus halfway (in dB)
        // toward its expected level, within +-3 dB. Evens out long sparse or
        // crowded stretches without any audible pumping.
        padSum += (sounding - padSum) * padSumCoefficient
        let keeper = Float(min(max((padSumReference / max(padSum, 1e-3)).squareRoot(), 0.7), 1.4))
        let k0 = padKeeper
        let dk = (keeper - k0) / Float(bf)
        var k = k0
        for i in 0..<bf {
            k += dk
            padL[i] *= k
            padR[i] *= k
        }
        padKeeper = keeper

        // Drone, breathing very slowly (periods of about a minute).
        let fade = t >= 8 ? 1.0 : 0.5 - 0.5 * cos(Double.pi * t / 8)
        let breathe = 1 + 0.15 * breathLFO.next()
        let droneTarget = Float(droneLevel * fade * breathe)
        renderDrone(from: droneGain, to: droneTarget)
        droneGain = droneTarget

        // Slowly swept low-pass over the pads.
        let sweep = sweepLFO.0.next() * 0.6 + sweepLFO.1.next() * 0.4
        let cutoff = min(padCutoff * Foundation.exp2(0.7 * motion * sweep), 0.4 * rate)
        let a = Float(1 - exp(-2 * Double.pi * cutoff / rate))
        var lowL = padLowL, lowR = padLowR
        for i in 0..<bf {
            lowL += a * (padL[i] - lowL)
            lowR += a * (padR[i] - lowR)
            padL[i] = lowL
            padR[i] = lowR
        }
        padLowL = lowL
        padLowR = lowR

        // Noise: cutoff wanders like wind, level swells like distant surf.
        let windSweep = windLFO.0.next() * 0.6 + windLFO.1.next() * 0.4
        let surf = 1 + 0.3 * motion * surfLFO.next()
        let noiseFade = t >= 6 ? 1.0 : 0.5 - 0.5 * cos(Double.pi * t / 6)
        let fromNoise = noise.currentGain
        noise.configure(cutoffHz: noiseCutoff * Foundation.exp2(1.1 * motion * windSweep), sampleRate: rate,
                        gain: Float(noiseLevel * surf * noiseFade))
        noise.render(fromGain: fromNoise, left: padL, right: padR, frames: bf)

        reverb.process(inL: padL, inR: padR, outL: wetL, outR: wetR, frames: bf)

        // Master: gentle fade-in from silence, dry/wet mix, soft limiter.
        let x = min(t / fadeInSeconds, 1)
        let target = Float(targetGain * (0.5 - 0.5 * cos(Double.pi * x)))
        var g = masterGain
        let dg = (target - g) / Float(bf)
        masterGain = target
        let dry = dryLevel, wet = wetLevel, top = air
        var aL = airL, aR = airR
        for i in 0..<bf {
            g += dg
            aL += top * ((padL[i] * dry + wetL[i] * wet + droneL[i]) * g - aL)
            aR += top * ((padR[i] * dry + wetR[i] * wet + droneR[i]) * g - aR)
            output[2 * i] = Soundscape.softLimit(aL)
            output[2 * i + 1] = Soundscape.softLimit(aR)
        }
        airL = aL
        airR = aR
    }

    /// The drone stays dry: a steady tone through the reverb would only pick up
    /// its comb colouring (a level that depends on the key), not space.
    private func renderDrone(from g0: Float, to g1: Float) {
        let bf = Soundscape.blockFrames
        let table = droneTable.samples
        let d = (g1 - g0) / Float(bf)
        droneL.update(repeating: 0, count: bf)
        droneR.update(repeating: 0, count: bf)
        dronePhaseL = wavetableAccumulate(table, phase: dronePhaseL, increment: droneIncL, gain: g0, step: d, into: droneL, frames: bf)
        dronePhaseR = wavetableAccumulate(table, phase: dronePhaseR, increment: droneIncR, gain: g0, step: d, into: droneR, frames: bf)
    }

    /// Harmonics (of half the root frequency) of the drone: the root (even
    /// harmonics), its fifth (multiples of 3) and upper octave (multiples of 4),
    /// each with partials falling off as 1/n^tilt.
    static func droneHarmonics(tilt: Double) -> [Double] {
        var a = [Double](repeating: 0, count: 30)
        for n in 1...10 { a[2 * n - 1] += 1.0 / pow(Double(n), tilt) }
        for m in 1...10 { a[3 * m - 1] += 0.55 / pow(Double(m), tilt) }
        for k in 1...7 { a[4 * k - 1] += 0.3 / pow(Double(k), tilt) }
        return a
    }

    /// Identity below 0.5 (-6 dBFS); above, a tanh knee that never reaches 0.7 (-3.1 dBFS).
    @inline(__always)
    static func softLimit(_ x: Float) -> Float {
        let threshold: Float = 0.5
        let ceiling: Float = 0.7
        let m = abs(x)
        if m <= threshold { return x }
        let y = threshold + (ceiling - threshold) * tanhf((m - threshold) / (ceiling - threshold))
        return x < 0 ? -y : y
    }
}

extension Soundscape {
    /// Seconds after which the soundscape has come up from silence to its
    /// full bed (master fade, noise fade and the first pad entries).
    public static let warmUpSeconds = 12
}
