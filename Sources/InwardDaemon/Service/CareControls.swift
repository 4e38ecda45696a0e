import InwardCore
import InwardProtocol

/// The controls that care for a client in the moment: calm (the plan's safe
/// harbour). Like the other controls, each records its event and replies
/// once it is on disk. Called on the control thread.
extension SessionService {
    /// Crossfades to the plan's calm (within its crossfade of at most 8 s) at
    /// the lower of its level and the phase's; a paused or silenced session
    /// comes back up into it (under the level speed limit). Calm when in calm
    /// does nothing but say so.
    func calm(by: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        try requireNotStopping()
        let plan = active.loaded.plan
        guard let spec = plan.calm else { throw ServiceError(InwardSessionInterface.Errors.noCalm(plan: plan.name)) }
        let level = active.runtime.calm() ?? active.runtime.snapshot().calmLevelDB ?? spec.levelDB
        if try apply(.resume) == .changed { active.runtime.send(.resume(seconds: configuration.pauseFade)) }
        return try acknowledge("control.calm", ["by": .string(by ?? "therapist"), "level_db": .number(level),
                                                "crossfade_seconds": .number(spec.crossfade)],
                               ["level_db": .number(level)])
    }
}
