import InwardCore
import InwardProtocol

/// The controls a therapist gives during a session. Each checks it may act,
/// acts on the runtime, records its event and saves the state it left, and
/// returns its reply to be sent once both are on disk (`.whenDurable`): what
/// is acknowledged survives a crash.
extension SessionService {
    /// Marks a therapist can record (the protocol's spelling; `-` is read as
    /// `_`, and `adverse` as `adverse_event`).
    static let markKinds: Set<String> = [
        "vitals", "statement", "adverse_event", "note", "eyeshades_off", "eyeshades_on", "headphones_off",
        "headphones_on", "bathroom", "ready_to_leave", "discharge", "other",
    ]

    static func markKind(_ text: String) -> String? {
        let kind = text.lowercased().replacingOccurrences(of: "-", with: "_")
        let canonical = kind == "adverse" ? "adverse_event" : kind
        return markKinds.contains(canonical) ? canonical : nil
    }

    func dose(route: String?, amount: String?, lot: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let outcome = try apply(.dose)
        let (_, frame) = active.runtime.dose()
        var fields: JSONObject = ["route": .string(route ?? active.loaded.plan.route.rawValue)]
        if let amount { fields["amount"] = .string(amount) }
        if let lot { fields["lot"] = .string(lot) }
        fields["frame"] = .integer(frame)
        return try acknowledge(outcome == .t0 ? "dose" : "booster", fields,
                               ["t0": .bool(outcome == .t0), "booster": .bool(outcome == .booster)])
    }

    func pause(by: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let fade = configuration.pauseFade
        if try apply(.pause) == .changed { active.runtime.send(.pause(seconds: fade)) }
        return try acknowledge("control.pause", ["by": .string(by ?? "therapist"), "fade_seconds": .number(fade)])
    }

    func resume(by: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let fade = configuration.pauseFade
        // Resume also leaves calm, back to the phase current by now.
        let fromCalm = active.runtime.leaveCalm()
        if try apply(.resume) == .changed { active.runtime.send(.resume(seconds: fade)) }
        return try acknowledge("control.resume", ["by": .string(by ?? "therapist"), "fade_seconds": .number(fade),
                                                  "from_calm": .bool(fromCalm)])
    }

    func silence(by: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let fade = configuration.silenceFade
        if try apply(.silence) == .changed { active.runtime.send(.silence(seconds: fade)) }
        return try acknowledge("control.silence", ["by": .string(by ?? "therapist"), "fade_seconds": .number(fade)])
    }

    func hold(seconds: Double, by: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        guard seconds.isFinite, seconds > 0 else {
            throw ServiceError(errors.invalidParameter("seconds", reason: "a hold must be a positive number of seconds"))
        }
        let active = try requireActive()
        try requireNotStopping()
        let snapshot = active.runtime.snapshot()
        guard let phase = snapshot.timeline.phase(at: snapshot.heard) else { throw ServiceError(errors.noNextPhase()) }
        let plan = active.loaded.plan
        let rate = Double(active.runtime.sampleRate)
        let maxSeconds = plan.phases[phase].maxExtend
        if plan.phases[phase].length == .untilDose { throw ServiceError(errors.waitingForDose()) }
        let before = Double(snapshot.held) / rate
        if before >= maxSeconds - 1e-9 { throw ServiceError(errors.holdLimit(heldSeconds: before, maxSeconds: maxSeconds)) }
        let total = Double(active.runtime.hold(seconds: seconds) ?? 0) / rate
        let ticket = try emit("control.hold", ["by": .string(by ?? "therapist"), "seconds": .number(total - before),
                                               "requested_seconds": .number(seconds), "held_seconds": .number(total)])
        saveResumeState()
        return .whenDurable(VarlinkReply(["held_seconds": .number(total), "max_seconds": .number(maxSeconds)]), ticket)
    }

    func next(by: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        let active = try requireActive()
        try requireNotStopping()
        let snapshot = active.runtime.snapshot()
        guard let phase = snapshot.timeline.phase(at: snapshot.heard) else { throw ServiceError(errors.noNextPhase()) }
        let plan = active.loaded.plan
        if plan.phases[phase].length == .untilDose { throw ServiceError(errors.waitingForDose()) }
        if phase == plan.phases.count - 1 { throw ServiceError(errors.noNextPhase()) }
        active.runtime.next()
        let from = JSONValue.string(plan.phases[phase].name), to = JSONValue.string(plan.phases[phase + 1].name)
        return try acknowledge("control.next", ["by": .string(by ?? "therapist"), "from": from, "to": to],
                               ["from": from, "to": to, "to_index": .integer(Int64(phase + 1))])
    }

    func skip(by: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        guard active.runtime.skip() else { throw ServiceError(InwardSessionInterface.Errors.nothingToSkip()) }
        // The track change that follows saves the state.
        return try acknowledge("control.skip", ["by": .string(by ?? "therapist")], saving: false)
    }

    func setVolume(db: Double, by: String?) throws -> MethodTable.Response {
        guard db.isFinite else {
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter("db", reason: "the volume must be a number of dB"))
        }
        let active = try requireActive()
        let ramp = configuration.volumeRamp
        let applied = active.runtime.setVolume(db: db, seconds: ramp)
        let clamped = abs(applied - db) > 1e-9
        let ticket = try emit("control.volume", ["by": .string(by ?? "therapist"), "db": .number(applied), "requested_db": .number(db),
                                                 "clamped": .bool(clamped), "ramp_seconds": .number(ramp)])
        saveResumeState()
        return .whenDurable(VarlinkReply(["volume_db": .number(applied), "clamped": .bool(clamped)]), ticket)
    }

    func mark(kind: String, text: String?, fields: JSONObject?) throws -> MethodTable.Response {
        guard let kind = Self.markKind(kind) else {
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter("kind", reason:
                "unknown mark '\(kind)'; use one of \(Self.markKinds.sorted().joined(separator: ", "))"))
        }
        let active = try requireActive()
        var all: JSONObject = [:]
        if let text { all["text"] = .string(text) }
        for member in fields ?? [:] { all[member.key] = member.value }
        let ticket = try emit("mark.\(kind)", all)
        if kind == "vitals" {
            let heard = Double(active.runtime.snapshot().heard) / Double(active.runtime.sampleRate)
            inner.withLock { _ in active.vitals.append(heard) }
            saveResumeState()
        }
        return .whenDurable(VarlinkReply(["seq": .integer(ticket.seq)]), ticket)
    }

    func stop(by: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        if try apply(.stop) == .changed {
            active.runtime.stop(fade: configuration.stopFade)
        }
        return try acknowledge("control.stop", ["by": .string(by ?? "therapist"), "fade_seconds": .number(configuration.stopFade)])
    }

    /// Records a control's event, saves the state it left (unless `saving`
    /// is false), and builds its reply around the status as the control left
    /// it: taken before anything waits for the disk, which on a loaded
    /// machine can last long enough for the session to move on (after Next,
    /// into the phase after the one left), with `last_seq` counting the
    /// control's own event. Throws `LogWriteFailed` when the event cannot be appended.
    func acknowledge(_ kind: String, _ fields: JSONObject, _ reply: JSONObject = [:],
                             saving: Bool = true) throws -> MethodTable.Response {
        var left = status()
        let ticket = try emit(kind, fields)
        left.lastSeq = ticket.seq
        var reply = reply
        reply["status"] = .object(left.json)
        if saving { saveResumeState() }
        return .whenDurable(VarlinkReply(reply), ticket)
    }
}
