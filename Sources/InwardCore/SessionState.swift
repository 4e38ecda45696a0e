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
    }

    public enum Control: Sendable, Equatable {
        case start(hasUntilDosePhase: Bool)
        case dose
        case pause
        case resume
        case silence
        case stop
        case ended
    }

    public enum Refusal: Error, Sendable, Equatable {
        case noSession
        case sessionActive
        case stopping
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
        default:
            break
        }
        guard phase != .idle else { throw .noSession }
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
        case .start, .ended:
            return .unchanged
        }
    }

    /// Whether the music is faded down (paused or silenced).
    public var isQuiet: Bool { phase == .paused || phase == .silenced }
}
