import InwardCore
import InwardProtocol

/// The controls a therapist gives during a session. Each checks it may act,
/// acts on the runtime, records its event (with the staff member's login as
/// `user`, from the socket's credentials) and saves the state it left, and
/// returns its reply to be sent once both are on disk (`.whenDurable`): what
/// is acknowledged survives a crash.
extension SessionService {
    func pause(by: String?, user: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let fade = configuration.pauseFade
        if try apply(.pause) == .changed { try music(active).send(.pause(seconds: fade)) }
        return try acknowledge("control.pause", ["fade_seconds": .number(fade)], by: by, user: user)
    }

    func resume(by: String?, user: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let fade = configuration.pauseFade
        // Resume also leaves calm, back to the phase current by now.
        let fromCalm = (try? music(active))?.leaveCalm() ?? false
        if try apply(.resume) == .changed { try music(active).send(.resume(seconds: fade)) }
        return try acknowledge("control.resume", ["fade_seconds": .number(fade), "from_calm": .bool(fromCalm)], by: by, user: user)
    }

    func silence(by: String?, user: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        let fade = configuration.silenceFade
        if try apply(.silence) == .changed { try music(active).send(.silence(seconds: fade)) }
        return try acknowledge("control.silence", ["fade_seconds": .number(fade)], by: by, user: user)
    }

    func hold(seconds: Double, by: String?, user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        guard seconds.isFinite, seconds > 0 else {
            throw ServiceError(errors.invalidParameter("seconds", reason: "a hold must be a positive number of seconds"))
        }
        let active = try requireActive()
        let runtime = try music(active)
        try requireNotStopping()
        let snapshot = runtime.snapshot()
        guard let phase = snapshot.timeline.phase(at: snapshot.heard) else { throw ServiceError(errors.noNextPhase()) }
        let plan = active.loaded.plan
        let rate = Double(active.sampleRate)
        let maxSeconds = plan.phases[phase].maxExtend
        if plan.phases[phase].length == .untilDose { throw ServiceError(errors.waitingForDose()) }
        let before = Double(snapshot.held) / rate
        if before >= maxSeconds - 1e-9 { throw ServiceError(errors.holdLimit(heldSeconds: before, maxSeconds: maxSeconds)) }
        let total = Double(runtime.hold(seconds: seconds) ?? 0) / rate
        let ticket = try emit("control.hold", Self.who(["seconds": .number(total - before), "requested_seconds": .number(seconds),
                                                        "held_seconds": .number(total)], by: by, user: user))
        saveResumeState()
        return .whenDurable(VarlinkReply(["held_seconds": .number(total), "max_seconds": .number(maxSeconds)]), ticket)
    }

    func next(by: String?, user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        let active = try requireActive()
        let runtime = try music(active)
        try requireNotStopping()
        let snapshot = runtime.snapshot()
        guard let phase = snapshot.timeline.phase(at: snapshot.heard) else { throw ServiceError(errors.noNextPhase()) }
        let plan = active.loaded.plan
        if plan.phases[phase].length == .untilDose { throw ServiceError(errors.waitingForDose()) }
        if phase == plan.phases.count - 1 { throw ServiceError(errors.noNextPhase()) }
        runtime.next()
        let from = JSONValue.string(plan.phases[phase].name), to = JSONValue.string(plan.phases[phase + 1].name)
        return try acknowledge("control.next", ["from": from, "to": to], by: by, user: user,
                               reply: ["from": from, "to": to, "to_index": .integer(Int64(phase + 1))])
    }

    func skip(by: String?, user: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        guard try music(active).skip() else { throw ServiceError(InwardSessionInterface.Errors.nothingToSkip()) }
        // The track change that follows saves the state.
        return try acknowledge("control.skip", [:], by: by, user: user, saving: false)
    }

    func setVolume(db: Double, by: String?, user: String?) throws -> MethodTable.Response {
        guard db.isFinite else {
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter("db", reason: "the volume must be a number of dB"))
        }
        let active = try requireActive()
        let ramp = configuration.volumeRamp
        let applied = try music(active).setVolume(db: db, seconds: ramp)
        let clamped = abs(applied - db) > 1e-9
        let ticket = try emit("control.volume", Self.who(["db": .number(applied), "requested_db": .number(db),
                                                          "clamped": .bool(clamped), "ramp_seconds": .number(ramp)], by: by, user: user))
        saveResumeState()
        return .whenDurable(VarlinkReply(["volume_db": .number(applied), "clamped": .bool(clamped)]), ticket)
    }

    func stop(by: String?, user: String?) throws -> MethodTable.Response {
        let active = try requireActive()
        if try apply(.stop) == .changed {
            try music(active).stop(fade: configuration.stopFade)
        }
        return try acknowledge("control.stop", ["fade_seconds": .number(configuration.stopFade)], by: by, user: user)
    }

    // MARK: The record

    /// Marks a dose: the first is T0; every later one must say `booster`, so
    /// a repeated command never records a phantom booster.
    func dose(route: String?, amount: String?, lot: String?, booster: Bool, devices: Int64?, otherRoute: Bool,
              user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        let active = try requireActive()
        let plan = active.loaded.plan
        let (dosed, firstTime) = inner.withLock { ($0.state.dosed, active.doseTime) }
        if dosed && !booster {
            let t0 = active.clock()
            let since = t0.t0.map { Double(t0.heard - $0) / Double(active.sampleRate) } ?? 0
            throw ServiceError(errors.doseAlreadyMarked(time: firstTime ?? "", t0Seconds: since))
        }
        if !dosed && booster {
            throw ServiceError(errors.invalidParameter("booster", reason: "no dose is marked yet: the first dose is T0, not a booster; "
                + "mark it without --booster"))
        }
        let given = route.map { $0.lowercased() } ?? plan.route.rawValue
        if given != plan.route.rawValue && !otherRoute {
            throw ServiceError(errors.routeMismatch(planRoute: plan.route.rawValue, route: given))
        }
        if let devices, devices < 1 || devices > 10 {
            throw ServiceError(errors.invalidParameter("devices", reason: "\(devices) devices: give 1 to 10 intranasal devices"))
        }
        var fields: JSONObject = ["route": .string(given)]
        if given != plan.route.rawValue { fields["other_route"] = .bool(true) }
        if let devices { fields["devices"] = .integer(devices) }
        if let amount {
            fields["amount"] = .string(amount)
        } else if let devices, let each = plan.amountPerDevice {
            fields["amount"] = .string(each.times(Int(devices)).description)
            fields["amount_per_device"] = .string(each.description)
        }
        if let lot { fields["lot"] = .string(lot) }
        let outcome = try apply(.dose)
        if outcome == .t0, let runtime = active.runtime {
            fields["frame"] = .integer(runtime.dose().frame)
        } else {
            fields["frame"] = .integer(active.clock().heard)
        }
        let response = try acknowledge(outcome == .t0 ? "dose" : "booster", fields, by: nil, user: user,
                                       reply: ["t0": .bool(outcome == .t0), "booster": .bool(outcome == .booster)])
        inner.withLock { _ in
            if case .whenDurable(_, let ticket) = response { active.correctable.insert(ticket.seq) }
            if outcome == .t0 { active.doseTime = WallClock.now() }
        }
        return response
    }

    /// Marks a therapist can record (the protocol's spelling; `-` is read as
    /// `_`, and `adverse` as `adverse_event`).
    static let markKinds: Set<String> = [
        "vitals", "assessment", "statement", "adverse_event", "note", "eyeshades_off", "eyeshades_on", "headphones_off",
        "headphones_on", "bathroom", "ready_to_leave", "correction", "other",
    ]

    static func markKind(_ text: String) -> String? {
        let kind = text.lowercased().replacingOccurrences(of: "-", with: "_")
        let canonical = kind == "adverse" ? "adverse_event" : kind
        return markKinds.contains(canonical) ? canonical : nil
    }

    func mark(kind: String, text: String?, fields: JSONObject?, user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        if kind.lowercased() == "discharge" {
            throw ServiceError(errors.invalidParameter("kind", reason:
                "discharge is not a mark: `inward discharge` closes the record (session.end, reason discharged)"))
        }
        guard let kind = Self.markKind(kind) else {
            throw ServiceError(errors.invalidParameter("kind", reason:
                "unknown mark '\(kind)'; use one of \(Self.markKinds.sorted().joined(separator: ", "))"))
        }
        let active = try requireActive()
        var all: JSONObject = [:]
        if let text { all["text"] = .string(text) }
        var alerts: [VitalAlert] = []
        var reading: VitalSigns?
        switch kind {
        case "vitals":
            let vitals = try Self.vitals(fields ?? [:])
            reading = vitals
            for (name, value) in vitals.namedValues { all[name] = .number(value) }
            alerts = active.loaded.plan.vitalAlerts.alerts(for: vitals, afterDose: inner.withLock { $0.state.dosed })
            if !alerts.isEmpty { all["alert"] = .array(alerts.map { .string($0.code) }) }
        case "assessment":
            let assessment = try Self.assessment(fields ?? [:])
            for (name, value) in assessment.namedValues { all[name] = .string(value) }
        case "correction":
            let (of, reason) = try Self.correction(fields ?? [:])
            guard inner.withLock({ _ in active.correctable.contains(of) }) else { throw ServiceError(errors.noSuchMark(seq: of)) }
            all["of"] = .integer(of)
            all["reason"] = .string(reason)
        default:
            for member in fields ?? [:] { all[member.key] = member.value }
        }
        if let user { all["user"] = .string(user) }
        let ticket = try emit("mark.\(kind)", all)
        inner.withLock { _ in
            if kind != "correction" { active.correctable.insert(ticket.seq) }
            if let reading {
                active.vitals.append(active.seconds)
                active.alerts.record(reading, alerts: alerts)
            }
        }
        if reading != nil { saveResumeState() }
        try followHeadphones(kind: kind, active: active, user: user)
        let shown = alerts.map { Self.alertStatus($0) }
        return .whenDurable(VarlinkReply(["seq": .integer(ticket.seq), "alerts": .array(shown.map { .object($0.json) })]), ticket)
    }

    /// Closes the record of a session in aftercare.
    func discharge(note: String?, early: Bool, reason: String?, user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        let active = try requireActive()
        let (heard, t0) = active.clock()
        let rate = Double(active.sampleRate)
        let sinceDose = t0.map { Double(heard - $0) / rate } ?? 0
        let phase = inner.withLock { $0.state.phase }
        guard phase == .aftercare else { throw ServiceError(errors.musicPlaying(state: phase.rawValue)) }
        let minimum = active.loaded.plan.minAftercareAfterDose
        var fields: JSONObject = ["session_id": .string(active.id), "reason": .string("discharged"),
                                  "t0_seconds": .number(sinceDose)]
        if let minimum, sinceDose < minimum {
            guard early else { throw ServiceError(errors.dischargeTooEarly(t0Seconds: sinceDose, allowedAt: minimum)) }
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ServiceError(errors.invalidParameter("reason", reason:
                    "an early discharge needs a reason for the record (--reason TEXT)"))
            }
            fields["early"] = .bool(true)
            fields["early_reason"] = .string(reason)
            fields["min_after_dose_seconds"] = .number(minimum)
        }
        if let note { fields["note"] = .string(note) }
        if let user { fields["user"] = .string(user) }
        var left = status()
        _ = try apply(.discharge)
        let ticket = try emit("session.end", fields, session: active.id)
        left.lastSeq = ticket.seq
        left.state = .idle
        inner.withLock { inner in
            if inner.active === active { inner.active = nil }
        }
        resumeWriter?.remove()
        SystemdNotify.status("idle; session \(active.id) discharged")
        releaseFreedMemory()
        return .whenDurable(VarlinkReply(["status": .object(left.json)]), ticket)
    }

    // MARK: Reading marks' fields

    /// A Varlink `fields` object as the core's mark field values.
    static func markFields(_ fields: JSONObject) -> [(key: String, value: MarkFieldValue)] {
        fields.map { m in
            let value: MarkFieldValue
            switch m.value {
            case .integer(let i): value = .number(Double(i))
            case .number(let d): value = .number(d)
            case .string(let s): value = .text(s)
            default: value = .other(typeName: m.value.typeName)
            }
            return (m.key, value)
        }
    }

    static func vitals(_ fields: JSONObject) throws -> VitalSigns {
        do {
            return try VitalSigns.parse(markFields(fields))
        } catch {
            let first = error.problems.first
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter(
                "fields" + (first?.field.map { "." + $0 } ?? ""), reason: error.problems.map(\.message).joined(separator: "; ")))
        }
    }

    static func assessment(_ fields: JSONObject) throws -> Assessment {
        var known: [(key: String, value: MarkFieldValue)] = []
        for (key, value) in markFields(fields) where key != "note" { known.append((key, value)) }
        do {
            return try Assessment.parse(known)
        } catch {
            let first = error.problems.first
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter(
                "fields" + (first.map { "." + $0.field } ?? ""), reason: error.problems.map(\.message).joined(separator: "; ")))
        }
    }

    static func correction(_ fields: JSONObject) throws -> (of: Int64, reason: String) {
        let errors = InwardSessionInterface.Errors.self
        guard let of = fields["of"]?.int64Value else {
            throw ServiceError(errors.invalidParameter("fields.of", reason:
                "a correction names the seq of the mark or dose it corrects (--of SEQ; `inward review` shows each seq)"))
        }
        guard let reason = fields["reason"]?.stringValue, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError(errors.invalidParameter("fields.reason", reason: "a correction needs a reason (--reason TEXT)"))
        }
        return (of, reason)
    }

    static func alertStatus(_ alert: VitalAlert) -> SessionStatus.VitalAlert {
        SessionStatus.VitalAlert(field: alert.field.rawValue, code: alert.code, value: alert.value, threshold: alert.threshold,
                                 message: alert.description)
    }

    // MARK: Acknowledging

    /// `fields` with who asked (`by`, a free note: "client asked") and who
    /// did it (`user`, the staff member's login from the socket).
    static func who(_ fields: JSONObject, by: String?, user: String?) -> JSONObject {
        var fields = fields
        if let by { fields["by"] = .string(by) }
        if let user { fields["user"] = .string(user) }
        return fields
    }

    /// Records a control's event, saves the state it left (unless `saving`
    /// is false), and builds its reply around the status as the control left
    /// it: taken before anything waits for the disk, which on a loaded
    /// machine can last long enough for the session to move on (after Next,
    /// into the phase after the one left), with `last_seq` counting the
    /// control's own event. Throws `LogWriteFailed` when the event cannot be appended.
    func acknowledge(_ kind: String, _ fields: JSONObject, by: String?, user: String?, reply: JSONObject = [:],
                             saving: Bool = true) throws -> MethodTable.Response {
        var left = status()
        let ticket = try emit(kind, Self.who(fields, by: by, user: user))
        left.lastSeq = ticket.seq
        var reply = reply
        reply["status"] = .object(left.json)
        if saving { saveResumeState() }
        return .whenDurable(VarlinkReply(reply), ticket)
    }
}
