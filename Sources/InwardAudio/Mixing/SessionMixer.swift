public import InwardCore

/// Plays a plan: follows its timeline frame by frame and starts and fades
/// each phase's voice at its boundaries. The master controls and the limiter
/// come after it, in `OutputStage`.
///
/// The session clock is the frame count this mixer has rendered, so every
/// boundary and fade lands on an exact sample. Controls (dose, hold, advance,
/// end) take effect from the next rendered frame.
///
/// `prepare` does what may block (making the next phase's source, a resumed
/// session's first one, decoding ahead); `render` only mixes, except when a
/// control moved a boundary nearer than `prepare` looked ahead.
public final class SessionMixer {
    public let plan: Plan
    public let sampleRate: Int
    public let events: EngineEvents
    private let sources: PhaseSources

    public private(set) var timeline: Timeline
    public private(set) var t0: Int64?
    private var holds: [Int: Int64] = [:]
    private var advances: [Int: Int64] = [:]

    /// Frames rendered so far: the session clock.
    public private(set) var position: Int64 = 0
    private var stopEnd: Int64?
    public private(set) var isFinished = false

    private var voices: [PhaseVoice] = []
    private var prepared: PhaseVoice?
    private var activePhase: Int?
    private var finalFadeStarted = false
    private let scratch: UnsafeMutablePointer<Float>
    /// The phase voices' sum, before the calm crossfade applies to it.
    private let bus: UnsafeMutablePointer<Float>
    /// The phase voices against calm: 1 playing the plan, 0 in calm (equal-power).
    private var busFade = GainRamp(1)
    /// The phase voices' level while calm comes and goes (linear in dB).
    private var busTrim = GainRamp(1)
    /// After leaving calm: frames until the trim may rise, and how long the rise takes.
    private var trimRise: (delay: Int, frames: Int)?
    /// The calm level in force, dBFS; nil when not in calm.
    public private(set) var calmLevelDB: Double?
    /// The intensity and brightness last changed live, while the voice they
    /// were changed on plays (for the saved state); nil when none was.
    public private(set) var liveSoundscape: LiveSoundscape?
    /// Counts the phase changes mixed, so a reader of `playingSoundscape`
    /// knows when to look again.
    public private(set) var phaseChanges = 0

    public static let maxBlock = 4096

    /// Where a session picked up again after a restart goes on from.
    public struct Resume: Sendable {
        /// The session frame to go on from.
        public var frame: Int64
        public var holds: [Int: Int64]
        public var advances: [Int: Int64]
        /// The playlist entry to go on with in the phase playing at `frame`,
        /// and the output frames into it.
        public var entry: Int?
        public var entryOffset: Int64
        /// Seconds over which the music comes back in.
        public var fade: Double
        /// The soundscape settings changed live before the restart: the first
        /// voice plays them when it is the one they were changed on.
        public var soundscape: LiveSoundscape?

        public init(frame: Int64, holds: [Int: Int64], advances: [Int: Int64], entry: Int?, entryOffset: Int64 = 0,
                    fade: Double, soundscape: LiveSoundscape? = nil) {
            self.soundscape = soundscape
            self.entryOffset = entryOffset
            self.frame = frame
            self.holds = holds
            self.advances = advances
            self.entry = entry
            self.fade = fade
        }
    }

    /// Set until the first voice of a resumed session has started.
    private var resume: Resume?

    /// - Parameters:
    ///   - t0: the dose frame when it is known up front (offline render), or
    ///     the session's T0 when it is resumed.
    ///   - resume: the course and position of a session picked up again: the
    ///     mix starts at its frame, and the phase playing there comes in over
    ///     its fade (from its saved playlist entry) with a `phaseStarted`
    ///     event whose reason is "resumed".
    public init(plan: Plan, sources: PhaseSources, events: EngineEvents, t0: Int64? = nil, resume: Resume? = nil) {
        self.plan = plan
        self.sources = sources
        self.sampleRate = sources.sampleRate
        self.events = events
        self.t0 = t0
        if let resume {
            holds = resume.holds
            advances = resume.advances
            position = resume.frame
            self.resume = resume
        }
        timeline = Timeline(plan: plan, sampleRate: sources.sampleRate, t0: t0, holds: holds, advances: advances)
        scratch = .allocate(capacity: Self.maxBlock * outputChannels)
        bus = .allocate(capacity: Self.maxBlock * outputChannels)
        voices.reserveCapacity(8)
    }

    deinit {
        scratch.deallocate()
        bus.deallocate()
    }

    /// Frames of output the session will have in all, once known.
    public var length: Int64? {
        if let stopEnd { return min(stopEnd, timeline.end ?? stopEnd) }
        return timeline.end
    }

    // MARK: Controls

    /// Marks the dose at the current frame (or `frame`). The first dose is T0;
    /// later ones are boosters and return false.
    @discardableResult
    public func markDose(at frame: Int64? = nil) -> Bool {
        guard t0 == nil else { return false }
        t0 = frame ?? position
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

    /// The course the controls have set: extensions and early ends by phase index.
    public var course: (holds: [Int: Int64], advances: [Int: Int64]) { (holds, advances) }

    /// Extension in force on phase `index`, frames.
    public func held(phase index: Int) -> Int64 { holds[index] ?? 0 }

    /// Ends the current phase now; the next begins with the plan's fades.
    public func advance() {
        guard let i = activePhase else { return }
        advances[i] = position
        recompute()
    }

    /// Crossfades the playlist heard (calm's while in calm, else the current
    /// phase's) to its next track (over its crossfade). False when what is
    /// heard is no playlist.
    @discardableResult
    public func skip() -> Bool {
        guard let p = calmLevelDB != nil ? Self.calmVoice : activePhase,
              let voice = voices.last(where: { $0.phase == p && !$0.fadingOut }),
              let playlist = voice.source as? PlaylistSource else { return false }
        return playlist.skip()
    }

    /// Ends the session `seconds` from now (after a stop's fade-out).
    public func end(after seconds: Double) {
        let end = position + Timeline.frames(seconds, sampleRate: sampleRate)
        if let current = stopEnd, current <= end { return }
        stopEnd = end
    }

    /// The level of what the plan plays now, dBFS: the phase being mixed (its planned level).
    private var planLevelDB: Double? { activePhase.map { plan.phases[$0].levelDB } }

    /// The level the plan is heard at now, dBFS: the phase voices' gains
    /// summed in power (a phase fading out at its current gain, so calm in a
    /// final fade is never louder than what is left of it), at most the
    /// current phase's planned level; nil before any voice plays.
    private var heardLevelDB: Double? {
        var power = 0.0
        for voice in voices where voice.phase != Self.calmVoice { power += voice.heardGain * voice.heardGain }
        guard !voices.isEmpty else { return planLevelDB }
        let heard = power > 0 ? Decibels.db(power.squareRoot()) : -120
        return min(planLevelDB ?? heard, heard)
    }

    /// Crossfades to the plan's calm harbour over its crossfade, at the lower
    /// of the calm level and the level playing now; the plan's course runs on
    /// unheard. Returns the calm level, or nil when the plan has no calm or
    /// calm is already playing.
    /// - Parameters:
    ///   - given, atOnce: a resumed session's calm: its saved level, in place
    ///     from the first frame (which the output stage brings up from silence).
    ///   - live: a resumed session's calm as it was changed live.
    ///   - entry, entryOffset: a resumed session's calm playlist: the entry it
    ///     was playing and the output frames into it.
    @discardableResult
    public func enterCalm(level given: Double? = nil, atOnce: Bool = false, live: LiveSoundscape? = nil, entry: Int = 0,
                          entryOffset: Int64 = 0) -> Double? {
        guard let calm = plan.calm, calmLevelDB == nil else { return nil }
        let now = heardLevelDB ?? timeline.phase(at: position).map { plan.phases[$0].levelDB } ?? calm.levelDB
        let level = given ?? min(calm.levelDB, now)
        let frames = atOnce ? 0 : Int(Timeline.frames(calm.crossfade, sampleRate: sampleRate))
        let calmLive = live?.phase == Self.calmVoice ? live : nil
        let voice = PhaseVoice(phase: Self.calmVoice, source: sources.makeCalm(origin: position, events: events, live: calmLive,
                                                                               firstEntry: entry, firstEntryOffset: entryOffset))
        if liveSoundscape?.phase == Self.calmVoice || calmLive != nil { liveSoundscape = calmLive }
        voice.source.prepare(frames: Self.maxBlock)
        voice.fadeIn(to: Decibels.gain(level), over: frames)
        voices.append(voice)
        // The plan goes down to the calm level as it fades away: a fall, never a rise.
        busFade.move(to: 0, over: frames)
        busTrim.move(to: Decibels.gain(level - now), over: frames)
        trimRise = nil
        calmLevelDB = level
        return level
    }

    /// Crossfades from calm back to the phase current by now: at the calm's
    /// level first, then up to the phase's level no faster than
    /// `LevelSpeedLimit.riseDBPerSecond`. False when calm is not playing.
    @discardableResult
    public func leaveCalm() -> Bool {
        guard let calm = plan.calm, let level = calmLevelDB else { return false }
        let frames = Int(Timeline.frames(calm.crossfade, sampleRate: sampleRate))
        for voice in voices where voice.phase == Self.calmVoice && !voice.fadingOut { voice.fadeOut(over: frames) }
        if liveSoundscape?.phase == Self.calmVoice { liveSoundscape = nil }
        let now = planLevelDB ?? level
        let rise = max(0, now - level)
        busFade.move(to: 1, over: frames)
        busTrim.move(to: Decibels.gain(min(0, level - now)), over: frames)
        // 10% under the limit, so the rise stays within it however the curve is sampled.
        trimRise = (frames, Int(Timeline.frames(rise / (0.9 * LevelSpeedLimit.riseDBPerSecond), sampleRate: sampleRate)))
        calmLevelDB = nil
        return true
    }

    /// The soundscape playing (calm's while in calm, else the current
    /// phase's, with any live changes); nil when none plays.
    public var playingSoundscape: SoundscapeParameters? {
        let wanted = calmLevelDB != nil ? Self.calmVoice : activePhase
        guard let wanted, let voice = voices.last(where: { $0.phase == wanted && !$0.fadingOut }) else { return nil }
        return (voice.source as? Soundscape)?.parameters
    }

    /// Changes the soundscape playing (calm's while in calm, else the
    /// current phase's) by crossfading, over `seconds`, to the same piece
    /// with the new intensity and brightness (each clamped to 0...1, nil
    /// keeps it). Returns the parameters now playing, or nil when no
    /// soundscape plays. The next phase plays its own as planned.
    @discardableResult
    public func setSoundscape(intensity: Double?, brightness: Double?, over seconds: Double) -> SoundscapeParameters? {
        let wanted = calmLevelDB != nil ? Self.calmVoice : activePhase
        guard let wanted, let old = voices.last(where: { $0.phase == wanted && !$0.fadingOut }),
              let playing = old.source as? Soundscape else { return nil }
        var p = playing.parameters
        if let intensity, intensity.isFinite { p.intensity = min(max(intensity, 0), 1) }
        if let brightness, brightness.isFinite { p.brightness = min(max(brightness, 0), 1) }
        guard p != playing.parameters else { return p }
        let frames = Int(Timeline.frames(max(Self.shortestSoundscapeChange, seconds), sampleRate: sampleRate))
        let voice = PhaseVoice(phase: wanted, source: Soundscape(parameters: p, sampleRate: sampleRate))
        voice.source.prepare(frames: Self.maxBlock)
        voice.fadeIn(to: old.level, over: frames)
        old.fadeOut(over: frames)
        voices.append(voice)
        liveSoundscape = LiveSoundscape(phase: wanted, intensity: p.intensity, brightness: p.brightness)
        return p
    }

    /// The shortest crossfade of a live soundscape change, seconds: the
    /// soundscape keeps its level within about 3 dB across settings, so 2 s
    /// keeps even an abrupt request within the level speed limit.
    public static let shortestSoundscapeChange = 2.0

    /// The voice index calm plays under (never a phase's).
    static let calmVoice = LoadedPlan.calm

    private func recompute() {
        timeline = Timeline(plan: plan, sampleRate: sampleRate, t0: t0, holds: holds, advances: advances)
    }

    // MARK: Timeline

    /// The next frame after `frame` where something must happen.
    private func nextEdge(after frame: Int64) -> Int64 {
        var edge = Int64.max
        if let p = timeline.phase(at: frame), let end = timeline.spans[p].end { edge = min(edge, end) }
        if let fade = finalFadeStart, fade > frame { edge = min(edge, fade) }
        if let end = length { edge = min(edge, end) }
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
        let horizon = position + Int64(frames)
        if let resuming = resume {
            // A resumed session's first voice: the phase at its first frame, from its saved entry.
            if prepared == nil, let p = timeline.phase(at: position) {
                let offset = resuming.entry == nil ? 0 : resuming.entryOffset
                let live = resuming.soundscape?.phase == p ? resuming.soundscape : nil
                prepared = PhaseVoice(phase: p, source: sources.make(phase: p, origin: position, events: events,
                                                                     firstEntry: resuming.entry ?? 0, firstEntryOffset: offset,
                                                                     live: live))
                if live != nil { liveSoundscape = live }
            }
        } else if prepared == nil, let p = timeline.phase(at: min(horizon, (length ?? .max) - 1)), p != activePhase,
           !voices.contains(where: { $0.phase == p }) {
            let origin = timeline.spans[p].start ?? position
            prepared = PhaseVoice(phase: p, source: sources.make(phase: p, origin: origin, events: events))
        }
        for voice in voices { voice.source.prepare(frames: frames) }
        prepared?.source.prepare(frames: frames)
    }

    /// Mixes up to `frames` interleaved stereo frames (at most `maxBlock`)
    /// and returns how many; fewer means the session has ended.
    public func render(into out: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        precondition(frames <= Self.maxBlock)
        var n = frames
        if let end = length { n = Int(min(Int64(n), max(0, end - position))) }
        guard n > 0 else {
            finish()
            return 0
        }
        mix(into: out, frames: n)
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

    /// Mixes `frames` frames at the current position into `out`, splitting
    /// at phase boundaries so each transition starts on its exact frame.
    private func mix(into out: UnsafeMutablePointer<Float>, frames: Int) {
        out.update(repeating: 0, count: 2 * frames)
        var done = 0
        while done < frames {
            transition(at: position)
            let edge = nextEdge(after: position)
            let n = Int(min(Int64(frames - done), edge - position))
            mixVoices(into: out + 2 * done, frames: n)
            position += Int64(n)
            done += n
        }
    }

    /// Starts and fades voices when the mix reaches a boundary.
    private func transition(at frame: Int64) {
        let p = timeline.phase(at: frame)
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
                // A resumed session's first phase comes back over the resume fade, and says so.
                let resuming = resume
                resume = nil
                let phase = plan.phases[p]
                voice.fadeIn(to: Decibels.gain(phase.levelDB),
                             over: Int(Timeline.frames(resuming?.fade ?? phase.fadeIn, sampleRate: sampleRate)))
                voices.append(voice)
                events.post(EngineEvent(.phaseStarted, frame: frame, phase: p, reason: resuming.map { _ in "resumed" }))
            }
            activePhase = p
            phaseChanges &+= 1
            // A live change belongs to the voice it was made on: the next phase plays its own.
            if let live = liveSoundscape, live.phase != Self.calmVoice, live.phase != p { liveSoundscape = nil }
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
            bus.update(repeating: 0, count: 2 * n)
            let o = out + 2 * start
            for voice in voices {
                let got = voice.source.read(into: scratch, frames: n)
                if got < n { (scratch + 2 * got).update(repeating: 0, count: 2 * (n - got)) }
                voice.apply(to: scratch, frames: n)
                let into = voice.phase == Self.calmVoice ? o : bus
                for i in 0..<(2 * n) { into[i] += scratch[i] }
            }
            busFade.apply(to: bus, frames: n)
            busTrim.apply(to: bus, frames: n)
            for i in 0..<(2 * n) { o[i] += bus[i] }
            if let pending = trimRise {
                if pending.delay <= n {
                    busTrim.move(to: 1, over: pending.frames)
                    trimRise = nil
                } else {
                    trimRise = (pending.delay - n, pending.frames)
                }
            }
            start += n
        }
    }
}
