import InwardAudio
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
    func calm(by: String?, user: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        try requireNotStopping()
        let plan = active.loaded.plan
        guard let spec = plan.calm else { throw ServiceError(InwardSessionInterface.Errors.noCalm(plan: plan.name)) }
        let runtime = try music(active)
        let entered = runtime.calm()
        // A calm playlist starts from its first track each time: no earlier calm's track in status meanwhile.
        if entered != nil { inner.withLock { _ in active.calmTrack = nil } }
        let level = entered ?? runtime.snapshot().calmLevelDB ?? spec.levelDB
        if try apply(.resume) == .changed { runtime.send(.resume(seconds: configuration.pauseFade)) }
        var fields: JSONObject = ["level_db": .number(level), "crossfade_seconds": .number(spec.crossfade)]
        switch spec.source {
        case .playlist:
            // A soundscape stands in when none of its files can be played.
            let playable = !(active.loaded.playlists[LoadedPlan.calm] ?? []).isEmpty
            fields["source"] = .string(playable ? "playlist" : "soundscape")
        case .soundscape: fields["source"] = .string("soundscape")
        case .silence: fields["source"] = .string("silence")
        }
        return try acknowledge("control.calm", fields, by: by, user: user, reply: ["level_db": .number(level)])
    }

    /// Default time over which Intensity and Brightness change the sound, seconds.
    static let soundscapeChange = 30.0

    /// Changes the playing soundscape's `setting` ("intensity" or
    /// "brightness") to `value` (or by it, when `relative`), within 0...1,
    /// smoothly over `over` seconds (default 30).
    func soundscape(_ setting: String, value: Double, relative: Bool, over: Double?, by: String?, user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        guard value.isFinite else { throw ServiceError(errors.invalidParameter("value", reason: "the \(setting) must be a number")) }
        if !relative && !(0...1).contains(value) {
            throw ServiceError(errors.invalidParameter("value", reason: "the \(setting) is from 0 to 1, got \(value)"))
        }
        let seconds = over ?? Self.soundscapeChange
        guard seconds.isFinite, seconds >= 0, seconds <= 600 else {
            throw ServiceError(errors.invalidParameter("over_seconds", reason: "the change takes 0 to 600 s, got \(seconds)"))
        }
        let active = try requireActive()
        try requireNotStopping()
        // As the mixer does it: even "at once" crosses over a short time, within the level speed limit.
        let applied = max(seconds, SessionMixer.shortestSoundscapeChange)
        let brightness = setting == "brightness"
        guard let change = try music(active).changeSoundscape(over: applied, { p in
            var q = p
            let now = brightness ? p.brightness : p.intensity
            let next = min(max(relative ? now + value : value, 0), 1)
            if brightness { q.brightness = next } else { q.intensity = next }
            return q
        }) else { throw ServiceError(errors.noSoundscape()) }
        let from = brightness ? change.from.brightness : change.from.intensity
        let to = brightness ? change.to.brightness : change.to.intensity
        return try acknowledge("control.\(setting)", ["from": .number(from), "to": .number(to), "over_seconds": .number(applied)],
                               by: by, user: user, reply: ["from": .number(from), "to": .number(to)])
    }
}
