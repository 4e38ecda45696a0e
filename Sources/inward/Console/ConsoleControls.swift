import InwardCore
import InwardProtocol

/// The console's actions as calls to the daemon: the same methods and
/// parameters as the CLI's commands (the daemon records the caller's login
/// with each), one short connection per action. Each returns the line the
/// console shows; a refusal comes back as the daemon's message.
///
/// Threading: used on the console's main thread; a call blocks it for at
/// most the reply timeout.
struct ConsoleControls {
    var location: SocketLocation
    var timeout: Double

    /// Recorded as `by` with each control.
    static let by: JSONValue = "console"

    struct Answer {
        var text: String
        var isError: Bool
    }

    func call(_ method: SessionMethod, _ parameters: JSONObject, say: (JSONObject) -> String) -> Answer {
        do {
            let connection = try VarlinkConnection(location, timeout: timeout)
            let reply = try connection.call(method, parameters)
            return Answer(text: say(reply), isError: false)
        } catch {
            return Answer(text: ErrorReport.describe(error).message, isError: true)
        }
    }

    func pauseOrResume(_ status: SessionStatus?) -> Answer {
        if status?.state == .paused || status?.state == .silenced || status?.calm == true {
            let what = status?.calm == true ? "back from calm to the phase" : "the music fades back up"
            return call(.resume, ["by": Self.by]) { _ in "resumed: \(what)" }
        }
        return call(.pause, ["by": Self.by]) { _ in "paused: the music fades down; the clock runs on (space resumes)" }
    }

    func silence() -> Answer {
        call(.silence, ["by": Self.by]) { _ in "silence: fading out within 3 s (space brings the sound back)" }
    }

    func volume(from current: Double, by delta: Double) -> Answer {
        let wanted = current + delta
        return call(.setVolume, ["db": .number(wanted), "by": Self.by]) { reply in
            let now = reply["volume_db"]?.doubleValue ?? wanted
            var t = "volume \(StatusView.db(now)) dB (ramping)"
            if reply["clamped"]?.boolValue == true { t += "; clamped: \(StatusView.db(wanted)) dB would go over the plan's cap" }
            return t
        }
    }

    func hold(seconds: Double) -> Answer {
        do {
            let connection = try VarlinkConnection(location, timeout: timeout)
            return Answer(text: try HoldRequest.send(connection, seconds: seconds, by: Self.by).text, isError: false)
        } catch {
            return Answer(text: ErrorReport.describe(error).message, isError: true)
        }
    }

    func next() -> Answer {
        call(.next, ["by": Self.by]) { reply in
            let from = reply["from"]?.stringValue ?? "the phase"
            let to = reply["to"]?.stringValue.map { " for \($0)" } ?? ""
            return "leaving \(from)\(to), with the plan's fades"
        }
    }

    /// Crossfades to the plan's calm harbour (space, like `inward resume`, goes back).
    func calm() -> Answer {
        call(.calm, ["by": Self.by]) { reply in
            let level = reply["level_db"]?.doubleValue.map { "\(StatusView.db($0)) dB" } ?? "its level"
            return "calm: crossfading to the calm harbour at \(level); space goes back to the phase"
        }
    }

    /// Nudges the playing soundscape's intensity or brightness by `delta`
    /// over the daemon's default time (30 s).
    func soundscape(_ method: SessionMethod, by delta: Double) -> Answer {
        call(method, ["value": .number(delta), "relative": .bool(true), "by": Self.by]) { reply in
            let from = reply["from"]?.doubleValue ?? 0, to = reply["to"]?.doubleValue ?? 0
            return "\(method.name.lowercased()) \(String(format: "%.2f", from)) -> \(String(format: "%.2f", to)) over 30 s"
        }
    }

    func dose(_ form: ConsoleForm, booster: Bool) -> Answer {
        var params = JSONObject()
        if let route = form.value("route") { params["route"] = .string(route) }
        if let amount = form.value("amount") { params["amount"] = .string(amount) }
        if let lot = form.value("lot") { params["lot"] = .string(lot) }
        if booster { params["booster"] = .bool(true) }
        return call(.dose, params) { reply in
            reply["booster"]?.boolValue == true ? "booster logged" : "T0 marked: post-dose phases are timed from now"
        }
    }

    func vitals(_ form: ConsoleForm) -> Answer {
        var fields = JSONObject()
        for f in form.fields {
            guard let text = form.value(f.label) else { continue }
            fields[f.label] = MarkCommand.number(text) ?? .string(text)
        }
        if fields.isEmpty { return Answer(text: "vitals: nothing filled in, nothing sent", isError: true) }
        return call(.mark, ["kind": "vitals", "fields": .object(fields)]) { reply in
            let alerts = reply["alerts"]?.arrayValue?.compactMap { $0.objectValue?["message"]?.stringValue } ?? []
            let seq = reply["seq"]?.int64Value.map { " (#\($0) in the log)" } ?? ""
            return alerts.isEmpty ? "vitals marked\(seq)" : "vitals marked\(seq); ALERT: " + alerts.joined(separator: "; ")
        }
    }

    func note(_ form: ConsoleForm) -> Answer {
        guard let text = form.value("note") else { return Answer(text: "note: empty, nothing sent", isError: true) }
        return call(.mark, ["kind": "note", "text": .string(text)]) { reply in
            "note marked" + (reply["seq"]?.int64Value.map { " (#\($0) in the log)" } ?? "")
        }
    }

    /// The route of `plan` from the daemon's plan list, for the dose form's default.
    func planRoute(_ plan: String) -> String? {
        guard let connection = try? VarlinkConnection(location, timeout: timeout),
              let reply = try? connection.call(.listPlans, [:]) else { return nil }
        let plans = reply["plans"]?.arrayValue?.compactMap(\.objectValue) ?? []
        return plans.first { $0["name"]?.stringValue == plan }?["route"]?.stringValue
    }
}
