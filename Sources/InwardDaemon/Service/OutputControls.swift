import InwardAudio
import InwardCore
import InwardProtocol

/// `SetOutput`: one output's own level, or off and on, ramped under the
/// master volume's speed bounds (`OutputLevel`); the other outputs do not
/// change. Logged as `control.output` with the user, saved for resume.
extension SessionService {
    func setOutput(name: String, db: Double?, on: Bool?, by: String?, user: String?) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        if let db, !db.isFinite {
            throw ServiceError(errors.invalidParameter("db", reason: "the level must be a number of dB"))
        }
        guard db != nil || on != nil else {
            throw ServiceError(errors.invalidParameter("db", reason: "give a level in dB, or on, or both"))
        }
        let active = try requireActive()
        let runtime = try music(active)
        let names = runtime.outputNames
        guard let index = names.firstIndex(of: name) else {
            throw ServiceError(errors.invalidParameter("output", reason:
                "this room has no output '\(name)'; its outputs are \(names.joined(separator: ", "))"))
        }
        let ramp = configuration.volumeRamp
        let applied = runtime.setOutput(index, db: db, on: on, seconds: ramp)
        let isOn = runtime.outputReports()[index].on
        let clamped = db.map { abs(applied - $0) > 1e-9 } ?? false
        var fields: JSONObject = ["output": .string(name), "db": .number(applied), "on": .bool(isOn),
                                  "ramp_seconds": .number(ramp)]
        if let db {
            fields["requested_db"] = .number(db)
            fields["clamped"] = .bool(clamped)
        }
        let ticket = try emit("control.output", Self.who(fields, by: by, user: user))
        saveResumeState()
        return .whenDurable(VarlinkReply(["output": .string(name), "level_db": .number(applied), "on": .bool(isOn),
                                          "clamped": .bool(clamped)]), ticket)
    }
}

/// `mark headphones-off` / `headphones-on` with the plan's `[headphones_off]`:
/// the output it names comes up by `raise_db` while the headphones are off,
/// and back to its own level when they are on again, ramped under the same
/// speed bounds as `SetOutput`. Logged as `control.output` with `reason`
/// (`headphones_off` or `headphones_on`), `raise_db` and the user; saved for
/// resume. A second headphones-off (or an on without an off) changes nothing.
extension SessionService {
    func followHeadphones(kind: String, active: Active, user: String?) throws {
        guard kind == "headphones_off" || kind == "headphones_on",
              let raise = active.loaded.plan.headphonesOffRaise,
              let runtime = active.runtime, active.musicEndedFrame == nil, !inAftercare else { return }
        guard let index = runtime.outputNames.firstIndex(of: raise.output) else {
            logger.warning("plan's headphones_off.output names no output of this room; no level changed",
                           metadata: ["output": "\(raise.output)", "outputs": "\(runtime.outputNames.joined(separator: ","))"])
            return
        }
        let off = kind == "headphones_off"
        let report = runtime.outputReports()[index]
        guard off == (report.raiseDB == 0) else { return }
        let ramp = configuration.volumeRamp
        let heard = runtime.raiseOutput(index, db: off ? raise.raiseDB : 0, seconds: ramp)
        let fields: JSONObject = ["output": .string(raise.output), "db": .number(report.levelDB), "on": .bool(report.on),
                                  "raise_db": .number(off ? raise.raiseDB : 0), "heard_db": .number(heard),
                                  "reason": .string(kind), "ramp_seconds": .number(ramp)]
        _ = try emit("control.output", Self.who(fields, by: nil, user: user))
        saveResumeState()
    }
}

extension SessionService {
    /// A plan whose `[headphones_off] output` this room does not have: a
    /// warning at the start (in the reply and as `plan.warning`), naming the
    /// key and the room's outputs; the marks then change no level.
    func warnIfRoomLacksHeadphonesOffOutput(_ loaded: inout LoadedPlan) {
        guard let raise = loaded.plan.headphonesOffRaise else { return }
        let names = configuration.daemon.roomOutputs.map(\.name)
        guard !names.contains(raise.output) else { return }
        loaded.warnings.append(Diagnostic(.warning, file: loaded.plan.file, key: "headphones_off.output", message:
            "this room has no output '\(raise.output)' (its outputs are \(names.joined(separator: ", "))): "
                + "headphones-off will raise no level; name one of them, or configure an [[output]] called \(raise.output)"))
    }
}
