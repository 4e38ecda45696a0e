public import InwardCore

/// Plays a plan: follows its timeline frame by frame, starts and fades each
/// phase's voice at its boundaries, applies the master volume, and limits the
/// sum to the plan's cap.
///
/// The session clock is the frame count this mixer has rendered, so every
/// boundary and fade lands on an exact sample. Controls (dose, hold, advance,
/// volume, stop) take effect from the next rendered frame.
///
/// `prepare` does what may block (making the next phase's source, decoding
/// ahead); `render` only mixes.
public final class SessionMixer {
    public let plan: Plan
    public let sampleRate: Int
    public let events: EngineEvents
    private let sources: PhaseSources

    public private(set) var timeline: Timeline
    public private(set) var t0: Int64?
    private var holds: [Int: Int64] = [:]
    private var advances: [Int: Int64] = [:]

    /// Frames of output rendered so far: the session clock.
    public private(set) var position: Int64 = 0
    /// The mix runs ahead of the output by the limiter's delay.
    private var mixPosition: Int64 = 0
    private var stopEnd: Int64?
    public private(set) var isFinished = false

    private var voices: [PhaseVoice] = []
    private var prepared: PhaseVoice?
    private var activePhase: Int?
    private var finalFadeStarted = false
    private var volume: GainRamp
    private var stopGain = GainRamp(1)
    public private(set) var volumeDB: Double = 0
    private let limiter: Limiter
    private let scratch: UnsafeMutablePointer<Float>
    private var primed = false

    public static let maxBlock = 4096

    /// - Parameters:
    ///   - t0: the dose frame when it is known up front (offline render).
    public init(plan: Plan, sources: PhaseSources, events: EngineEvents, t0: Int64? = nil) {
        self.plan = plan
        self.sources = sources
        self.sampleRate = sources.sampleRate
        self.events = events
        self.t0 = t0
        timeline = Timeline(plan: plan, sampleRate: sources.sampleRate, t0: t0)
        volume = GainRamp(1)
        limiter = Limiter(ceiling: Float(Decibels.gain(plan.levelCapDB)),
                          lookahead: max(2, sources.sampleRate / 200))
        scratch = .allocate(capacity: Self.maxBlock * outputChannels)
        voices.reserveCapacity(8)
    }

    deinit { scratch.deallocate() }

    /// Frames of output the session will have in all, once known.
    public var length: Int64? {
        if let stopEnd { return min(stopEnd, timeline.end ?? stopEnd) }
        return timeline.end
    }

    /// Latency the limiter adds, frames: the mix runs this far ahead.
    public var lookahead: Int { limiter.lookahead - 1 }

    // MARK: Controls

    /// Marks the dose at the current frame (or `frame`). The first dose is T0;
    /// later ones are boosters and return false.
    @discardableResult
    public func markDose(at frame: Int64? = nil) -> Bool {
        guard t0 == nil else { return false }
        t0 = frame ?? mixPosition
        recompute()
        return true
    }

    /// Extends phase `index` (default: the current one) by `frames`, up to
    /// the plan's maximum; returns the total extension now in force.
    @discardableResult
    public func hold(frames: Int64, phase index: Int? = nil) -> Int64 {
        guard let i = index ?? activePhase else { return 0 }
        let limit = Timeline.frames(plan.phases[i].maxExtend, sampleRate: sampleRate)
        holds[i] = min(limit, (holds[i] ?? 0) + max(0, frames))
        recompute()
        return holds[i] ?? 0
    }

    /// Ends the current phase now; the next begins with the plan's fades.
    public func advance() {
        guard let i = activePhase else { return }
        advances[i] = mixPosition
        recompute()
    }

    /// Sets the master volume in dB, ramped over `seconds`. It is clamped so
    /// that the loudest phase cannot exceed the plan's cap; returns the value
    /// applied.
    @discardableResult
    public func setVolume(db: Double, over seconds: Double) -> Double {
        let loudest = plan.phases.map(\.levelDB).max() ?? plan.levelCapDB
        let applied = min(max(db, -60), plan.levelCapDB - loudest)
        volumeDB = applied
        volume.move(to: Decibels.gain(applied), over: Int(Timeline.frames(seconds, sampleRate: sampleRate)))
        return applied
    }

    /// Fades everything out over `seconds` and ends the session there.
    public func stop(fade seconds: Double) {
        let frames = Timeline.frames(seconds, sampleRate: sampleRate)
        let end = mixPosition + frames
        if let current = stopEnd, current <= end { return }
        stopEnd = end
        stopGain.move(to: 0, over: Int(frames))
    }

    private func recompute() {
        timeline = Timeline(plan: plan, sampleRate: sampleRate, t0: t0, holds: holds, advances: advances)
    }

    // MARK: Timeline

    /// The phase sounding at `frame`, including an until-dose phase still
    /// waiting for its end.
    private func phase(at frame: Int64) -> Int? {
        if let p = timeline.phase(at: frame) { return p }
        for (i, span) in timeline.spans.enumerated() {
            if let start = span.start, span.end == nil, start <= frame { return i }
        }
        return nil
    }

    private var mixEnd: Int64? {
        if let stopEnd { return min(stopEnd, timeline.end ?? stopEnd) }
        return timeline.end
    }

    /// The next frame after `frame` where something must happen.
    private func nextEdge(after frame: Int64) -> Int64 {
        var edge = Int64.max
        if let p = phase(at: frame), let end = timeline.spans[p].end { edge = min(edge, end) }
        if let fade = finalFadeStart, fade > frame { edge = min(edge, fade) }
        if let end = mixEnd { edge = min(edge, end) }
        return edge
    }

    /// Where the last phase's fade-out starts, so it ends with the session.
    private var finalFadeStart: Int64? {
        guard let end = timeline.end, let lastStart = timeline.spans.last?.start else { return nil }
        let fade = Timeline.frames(plan.phases[plan.phases.count - 1].fadeOut, sampleRate: sampleRate)
        return max(lastStart, end - fade)
    }

    // MARK: Rendering

    /// Makes the voice of a phase that begins within the next `frames`
    /// frames and decodes ahead for every voice.
    public func prepare(frames: Int) {
        let horizon = mixPosition + Int64(frames + lookahead)
        if prepared == nil, let p = phase(at: min(horizon, (mixEnd ?? .max) - 1)), p != activePhase,
           !voices.contains(where: { $0.phase == p }) {
            let origin = timeline.spans[p].start ?? mixPosition
            prepared = PhaseVoice(phase: p, source: sources.make(phase: p, origin: origin, events: events))
        }
        for voice in voices { voice.source.prepare(frames: frames) }
        prepared?.source.prepare(frames: frames)
    }

    /// Renders up to `frames` interleaved stereo frames (at most `maxBlock`)
    /// and returns how many; fewer means the session has ended.
    public func render(into out: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        precondition(frames <= Self.maxBlock)
        if !primed {
            // Fill the limiter's delay so output frame 0 is session frame 0.
            primed = true
            var left = lookahead
            while left > 0 {
                let n = min(left, Self.maxBlock)
                mix(into: out, frames: n)
                limiter.process(out, frames: n)
                left -= n
            }
        }
        var n = frames
        if let end = length { n = Int(min(Int64(n), max(0, end - position))) }
        guard n > 0 else {
            finish()
            return 0
        }
        mix(into: out, frames: n)
        limiter.process(out, frames: n)
        position += Int64(n)
        if let end = length, position >= end { finish() }
        return n
    }

    private func finish() {
        guard !isFinished else { return }
        isFinished = true
        if let p = activePhase {
            events.post(EngineEvent(.phaseEnded, frame: position, phase: p))
        }
        events.post(EngineEvent(.sessionEnded, frame: position, phase: activePhase ?? -1))
    }

    /// Mixes `frames` frames at the mix position into `out`, splitting at
    /// phase boundaries so each transition starts on its exact frame.
    private func mix(into out: UnsafeMutablePointer<Float>, frames: Int) {
        out.update(repeating: 0, count: 2 * frames)
        var done = 0
        while done < frames {
            if let end = mixEnd, mixPosition >= end {
                // Past the end: only the limiter's tail is still coming out.
                mixPosition += Int64(frames - done)
                return
            }
            transition(at: mixPosition)
            let edge = nextEdge(after: mixPosition)
            let n = Int(min(Int64(frames - done), edge - mixPosition))
            mixVoices(into: out + 2 * done, frames: n)
            mixPosition += Int64(n)
            done += n
        }
    }

    /// Starts and fades voices when the mix reaches a boundary.
    private func transition(at frame: Int64) {
        let p = phase(at: frame)
        if p != activePhase {
            if let old = activePhase {
                events.post(EngineEvent(.phaseEnded, frame: frame, phase: old))
                let fade = Timeline.frames(plan.phases[old].fadeOut, sampleRate: sampleRate)
                for voice in voices where voice.phase == old && !voice.fadingOut { voice.fadeOut(over: Int(fade)) }
            }
            if let p {
                let voice: PhaseVoice
                if let ready = prepared, ready.phase == p {
                    voice = ready
                    prepared = nil
                } else {
                    // Not prepared ahead (a control moved the boundary): make it now.
                    voice = PhaseVoice(phase: p, source: sources.make(phase: p, origin: frame, events: events))
                    voice.source.prepare(frames: Self.maxBlock)
                }
                let phase = plan.phases[p]
                voice.fadeIn(to: Decibels.gain(phase.levelDB),
                             over: Int(Timeline.frames(phase.fadeIn, sampleRate: sampleRate)))
                voices.append(voice)
                events.post(EngineEvent(.phaseStarted, frame: frame, phase: p))
            }
            activePhase = p
        }
        if let fadeStart = finalFadeStart, frame >= fadeStart, !finalFadeStarted, p == plan.phases.count - 1,
           let end = timeline.end {
            finalFadeStarted = true
            for voice in voices where !voice.fadingOut { voice.fadeOut(over: Int(end - frame)) }
        }
        voices.removeAll { $0.isDone }
    }

    private func mixVoices(into out: UnsafeMutablePointer<Float>, frames: Int) {
        var start = 0
        while start < frames {
            let n = min(frames - start, Self.maxBlock)
            for voice in voices {
                let got = voice.source.read(into: scratch, frames: n)
                if got < n { (scratch + 2 * got).update(repeating: 0, count: 2 * (n - got)) }
                voice.apply(to: scratch, frames: n)
                let o = out + 2 * start
                for i in 0..<(2 * n) { o[i] += scratch[i] }
            }
            let o = out + 2 * start
            volume.apply(to: o, frames: n)
            stopGain.apply(to: o, frames: n)
            start += n
        }
    }
}
