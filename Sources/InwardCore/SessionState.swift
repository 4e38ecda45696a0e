/// The session state machine: which controls make sense when, and what each
/// one changes. Pure: the daemon asks it before acting, then records what it
/// did.
public struct SessionState: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable {
        case idle
        case waitingForDose = "waiting_for_dose"
        case playing
        case paused
        case silenced
        case stopping
        /// The music has ended after a dose; the record stays open, with the
        /// T+ clock running, until discharge.
        case aftercare
    }

    public enum Control: Sendable, Equatable {
        case start(hasUntilDosePhase: Bool)
        case dose
        case pause
        case resume
        case silence
        case stop
        /// The music ended (the plan's last phase, or a stop faded out): the
        /// record goes on in aftercare once a dose was marked, else it ends.
        case musicEnded
        /// The client leaves: the record of a session in aftercare closes.
        case discharge
        case ended
    }

    public enum Refusal: Error, Sendable, Equatable {
        case noSession
        case sessionActive
        case stopping
        /// A music control in aftercare: the music has ended.
        case aftercare
        /// Discharge while the music plays: stop it first.
        case musicPlaying
    }

    /// What a control did.
    public enum Outcome: Sendable, Equatable {
        case changed
        /// Asked for what is already so (pause while paused): nothing to do.
        case unchanged
        /// The first dose: T0.
        case t0
        /// A later dose: a booster, T0 stays.
        case booster
    }

    public private(set) var phase: Phase = .idle
    public private(set) var dosed = false
    public private(set) var boosters = 0

    public init() {}


    /// Applies `control`, or says why it cannot be.
    @discardableResult
    public mutating func apply(_ control: Control) throws(Refusal) -> Outcome {
        switch control {
        case .start(let waits):
            guard phase == .idle else { throw .sessionActive }
            phase = waits ? .waitingForDose : .playing
            dosed = false
            boosters = 0
            return .changed
        case .ended:
            guard phase != .idle else { return .unchanged }
            phase = .idle
            return .changed
        case .musicEnded:
            guard phase != .idle && phase != .aftercare else { return .unchanged }
            phase = dosed ? .aftercare : .idle
            return .changed
        case .discharge:
            guard phase != .idle else { throw .noSession }
            guard phase == .aftercare else { throw .musicPlaying }
            phase = .idle
            return .changed
        default:
            break
        }
        guard phase != .idle else { throw .noSession }
        if phase == .aftercare {
            // Only doses go on being marked once the music has ended.
            guard control == .dose else { throw .aftercare }
            boosters += 1
            return .booster
        }
        guard phase != .stopping else { throw .stopping }
        switch control {
        case .dose:
            if dosed {
                boosters += 1
                return .booster
            }
            dosed = true
            if phase == .waitingForDose { phase = .playing }
            return .t0
        case .pause:
            guard phase != .paused else { return .unchanged }
            phase = .paused
            return .changed
        case .silence:
            guard phase != .silenced else { return .unchanged }
            phase = .silenced
            return .changed
        case .resume:
            guard phase == .paused || phase == .silenced else { return .unchanged }
            phase = dosed ? .playing : .waitingForDose
            return .changed
        case .stop:
            phase = .stopping
            return .changed
        case .start, .ended, .musicEnded, .discharge:
            return .unchanged
        }
    }

    /// A state that picks up where a saved one was: aftercare after a dose.
    public static func inAftercare(boosters: Int) -> SessionState {
        var state = SessionState()
        state.phase = .aftercare
        state.dosed = true
        state.boosters = boosters
        return state
    }

    /// Whether the music is faded down (paused or silenced).
    public var isQuiet: Bool { phase == .paused || phase == .silenced }
}
