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
