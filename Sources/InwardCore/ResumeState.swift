/// What a daemon needs to pick a session up again after it was killed or
/// crashed mid-session (`STATE/state.json`): the plan, the course the
/// therapist set (T0, holds, advances), the level controls, and a pair of
/// clocks — a session frame and the wall time it was heard at — from which
/// the frame due now follows.
///
/// The post-dose schedule is anchored to the dose, a moment in the room, so
/// after a restart the session goes on where the wall clock says it should
/// be, not where the audio stopped: the minutes the daemon was down are
/// lost to the music, not added to the session.
public struct ResumeState: Sendable, Equatable {
    /// 2 added `aftercare` and `revision`; 3 the client's `playlists` and the
    /// live `soundscape` (an older daemon would resume without them). Version
    /// 1 and 2 files still read.
    public static let currentVersion = 3

    /// The format of the saved file.
    public var version = ResumeState.currentVersion
    /// Numbers the saves: a state never replaces one of a higher revision.
    public var revision: UInt64 = 0
    public var sessionID: String
    /// The plan file the session was started from, and its content's SHA-256.
    public var planFile: String
    public var planSHA256: String
    public var client: String?
    public var sampleRate: Int
    /// Playback speed against the wall clock (the daemon's `--pace`; 1 on a real device).
    public var pace: Double
    /// The dose frame, once marked, and the boosters after it.
    public var t0: Int64?
    public var boosters: Int
    /// Extensions and early ends the therapist asked for, by phase index.
    public var holds: [Int: Int64]
    public var advances: [Int: Int64]
    public var volumeDB: Double
    /// Each output's own level and on/off as `inward output` left them (empty in files from before outputs).
    public var outputs: [OutputSetting] = []
    /// The headphones were off (`mark headphones-off`): the plan's `[headphones_off]` raise was in force.
    public var headphonesOff = false
    public var quiet: Quiet?
    /// The calm level in force, dBFS; nil when not in calm (and in files from before calm).
    public var calmLevelDB: Double?
    /// The client's own playlists the session was started with.
    public var playlists: [PlaylistOverride] = []
    /// The soundscape's settings as last changed live, while the voice they
    /// were changed on still plays; nil when none was changed.
    public var soundscape: LiveSoundscape?
    /// The playlist entry playing, when the phase plays a playlist.
    public var track: TrackPosition?
    /// Calm's playlist entry playing, while in a calm that plays a playlist
    /// (its `phase` is calm's voice); nil otherwise, and in files from before it.
    public var calmTrack: TrackPosition?
    /// Session seconds of the vitals marked so far.
    public var vitals: [Double]?
    /// The music has ended after a dose: the record is open in aftercare
    /// until discharge, and a restart picks it up without music.
    public var aftercare = false
    /// A session frame and the wall time (Unix seconds) it was heard.
    public var anchorFrame: Int64
    public var anchorWall: Double

    public enum Quiet: String, Sendable {
        case paused
        case silenced
        /// A stop was fading the session out: it is not picked up again.
        case stopping
    }

    public struct TrackPosition: Sendable, Equatable {
        public var phase: Int
        public var entry: Int
        /// The session frame of the track's own frame 0.
        public var startFrame: Int64
        public init(phase: Int, entry: Int, startFrame: Int64) {
            self.phase = phase
            self.entry = entry
            self.startFrame = startFrame
        }
    }

    public init(sessionID: String, planFile: String, planSHA256: String, client: String?, sampleRate: Int, pace: Double,
                anchorFrame: Int64, anchorWall: Double) {
        self.sessionID = sessionID
        self.planFile = planFile
        self.planSHA256 = planSHA256
        self.client = client
        self.sampleRate = sampleRate
        self.pace = pace
        t0 = nil
        boosters = 0
        holds = [:]
        advances = [:]
        volumeDB = 0
        quiet = nil
        track = nil
        vitals = nil
        self.anchorFrame = anchorFrame
        self.anchorWall = anchorWall
    }

    /// The longest outage after which a session is picked up again. Longer
    /// means the machine was off, not a restart: the therapist starts anew.
    public static let maximumGapSeconds = 30.0 * 60

    /// What to do with this state at wall time `now`.
    public enum Decision: Equatable, Sendable {
        /// Go on from `frame`; the daemon was away `gapSeconds`.
        case resume(frame: Int64, gapSeconds: Double)
        /// Close the session in its log instead, for `reason`.
        case abandon(reason: String)
    }

    /// Decides whether the session goes on, given the plan now on disk.
    /// - Parameters:
    ///   - plan: the plan file's content parsed, and `planSHA256` its hash now.
    ///   - maxOpenSeconds: how long a record may stay open in aftercare,
    ///     counted on the session clock from the session's start; longer, it is
    ///     closed as not discharged.
    public func decide(now: Double, plan: Plan, planSHA256 currentHash: String,
                       maxOpenSeconds: Double = ResumeState.defaultMaxOpenSeconds) -> Decision {
        guard version <= Self.currentVersion else {
            return .abandon(reason: "the saved state is version \(version); this daemon reads up to \(Self.currentVersion)")
        }
        if continuesInAftercare {
            // No music to go on with: the plan's timeline and the outage do not end the record.
            let gap = now - anchorWall
            let frame = anchorFrame + Int64((max(0, gap) * Double(sampleRate) * pace).rounded())
            let open = Double(frame) / Double(sampleRate)   // on the session clock (paced like the session)
            guard open <= maxOpenSeconds else {
                return .abandon(reason: "not discharged: the record was open \(Int(open / 3600)) h \(Int(open / 60) % 60) min, "
                    + "longer than the \(Int(maxOpenSeconds / 60)) min limit")
            }
            return .resume(frame: frame, gapSeconds: max(0, gap))
        }
        guard quiet != .stopping else {
            return .abandon(reason: "it was being stopped when the daemon went down")
        }
        guard currentHash == planSHA256 else {
            return .abandon(reason: "the plan \(planFile) changed while the daemon was down")
        }
        let gap = now - anchorWall
        guard gap >= 0 else {
            return .abandon(reason: "the wall clock went back \(Int(-gap)) s while the daemon was down")
        }
        guard gap <= Self.maximumGapSeconds else {
            return .abandon(reason: "the daemon was down \(Int(gap / 60)) min, longer than \(Int(Self.maximumGapSeconds / 60)) min")
        }
        let frame = anchorFrame + Int64((gap * Double(sampleRate) * pace).rounded())
        let timeline = self.timeline(plan)
        if let end = timeline.end, frame >= end {
            return .abandon(reason: "the plan's time ran out while the daemon was down")
        }
        return .resume(frame: frame, gapSeconds: gap)
    }

    /// How long a record may stay open in aftercare by default: 8 hours.
    public static let defaultMaxOpenSeconds = 8.0 * 3600

    /// Whether a restart picks the session up in aftercare: its music had
    /// ended after a dose, or a stop was fading it out after one.
    public var continuesInAftercare: Bool { aftercare || (quiet == .stopping && t0 != nil) }

    /// The session's timeline under the course the therapist set.
    public func timeline(_ plan: Plan) -> Timeline {
        Timeline(plan: plan, sampleRate: sampleRate, t0: t0, holds: holds, advances: advances)
    }

    /// The controls that bring a fresh `SessionState` to this one.
    public func restoredState(hasUntilDosePhase: Bool) -> SessionState {
        if continuesInAftercare { return .inAftercare(boosters: boosters) }
        var state = SessionState()
        _ = try? state.apply(.start(hasUntilDosePhase: hasUntilDosePhase))
        if t0 != nil {
            _ = try? state.apply(.dose)
            for _ in 0..<boosters { _ = try? state.apply(.dose) }
        }
        switch quiet {
        case .paused: _ = try? state.apply(.pause)
        case .silenced: _ = try? state.apply(.silence)
        case .stopping, nil: break
        }
        return state
    }
}

/// One output's level as the controls left it, for the saved state.
public struct OutputSetting: Sendable, Equatable {
    public var name: String
    public var levelDB: Double
    public var on: Bool

    public init(name: String, levelDB: Double, on: Bool) {
        self.name = name
        self.levelDB = levelDB
        self.on = on
    }
}
