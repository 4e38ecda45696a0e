import InwardCore
import InwardProtocol

extension ReviewTimeline {
    static func category(_ kind: String) -> ReviewEvent.Category {
        if kind == "dose" || kind == "booster" { return .dose }
        if kind.hasPrefix("mark.") { return .mark }
        if kind.hasPrefix("session.") { return .session }
        if kind.hasPrefix("phase.") { return .phase }
        if kind.hasPrefix("track.") || kind.hasPrefix("soundscape.") { return .track }
        if kind.hasPrefix("control.") { return .control }
        if kind.hasSuffix(".warning") || kind.hasPrefix("device.") || kind.hasPrefix("xrun") { return .warning }
        return .other
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// A readable line for an event, without its time.
    static func summary(_ kind: String, _ f: JSONObject, phase: String?) -> String {
        func str(_ k: String) -> String? {
            guard let v = f[k], !v.isNull else { return nil }
            let t = Format.value(v)
            return t.isEmpty ? nil : t
        }
        // Who: the login the daemon took from the socket (`user`), then the free note `--by`.
        let who = [str("user"), str("by")].compactMap { $0 }
        let by = who.isEmpty ? "" : " (by \(who.joined(separator: " / ")))"
        let text = str("text")
        func withText(_ s: String) -> String { text.map { "\(s): \($0)" } ?? s }
        switch kind {
        case "session.start":
            var parts = ["Session started", "plan \(str("plan") ?? "?")"]
            if let c = str("client") { parts.append("client \(c)") }
            if let d = str("device") { parts.append("device \(d)") }
            return parts.joined(separator: ", ")
        case "session.end":
            var s = "Session ended" + (str("reason").map { ": \($0)" } ?? "")
            if f["early"]?.boolValue == true { s += " EARLY" + (str("early_reason").map { " (\($0))" } ?? "") }
            if let d = str("detail") { s += " (\(d))" }
            return s + by + (str("note").map { "; note: \($0)" } ?? "")
        case "session.resume" where f["aftercare"]?.boolValue == true:
            return "The daemon restarted; aftercare went on after \(str("gap_seconds") ?? "?") s (the record stayed open)"
        case "session.resume":
            return "The daemon restarted; the session went on after \(str("gap_seconds") ?? "?") s"
                + (str("fade_seconds").map { ", the music back over \($0) s" } ?? "")
        case "music.end":
            var s = "Music ended" + (str("reason").map { " (\($0))" } ?? "") + "; aftercare begins, the record stays open until the discharge"
            if let m = f["min_after_dose_seconds"]?.doubleValue { s += " (the plan's minimum \(SessionClock.length(m)) after the dose)" }
            return s
        case "phase.start": return "Phase \(phase ?? str("name") ?? "?") begins"
        case "phase.end": return "Phase \(phase ?? str("name") ?? "?") ends"
        case "track.start", "track.end":
            var s = kind == "track.start" ? "Track: " : "Track ended: "
            s += str("title") ?? str("file").map(baseName) ?? "?"
            if let a = str("artist") { s += " — \(a)" }
            return s
        case "track.gain":
            var s = "Track loudness measured: gain \(str("gain_db") ?? "?") dB"
            if let l = str("loudness_lufs") { s += " (\(l) LUFS)" }
            return s + ", reached over \(str("glide_seconds") ?? "?") s"
        case "track.failed":
            return "Track failed: \(str("file").map(baseName) ?? "?")" + (str("reason").map { " (\($0))" } ?? "")
        case "soundscape.takeover": return "Soundscape takes over" + (str("reason").map { ": \($0)" } ?? "")
        case "dose", "booster":
            var s = kind == "dose" ? "DOSE (T0)" : "BOOSTER"
            var parts: [String] = []
            if let r = str("route") { parts.append(r) }
            if let a = str("amount") { parts.append(a) }
            if let lot = str("lot") { parts.append("lot \(lot)") }
            if !parts.isEmpty { s += ": " + parts.joined(separator: ", ") }
            return s + by
        case "control.pause": return "Music paused\(by)" + (str("fade_seconds").map { ", fade \($0) s" } ?? "")
        case "control.resume": return "Music resumed\(by)" + (str("fade_seconds").map { ", fade \($0) s" } ?? "")
        case "control.silence": return "Silence\(by)" + (str("fade_seconds").map { ", fade \($0) s" } ?? "")
        case "control.stop": return "Stop\(by)" + (str("fade_seconds").map { ", fade out \($0) s" } ?? "")
        case "control.skip": return "Track skipped\(by)"
        case "control.intensity", "control.brightness":
            let key = String(kind.dropFirst("control.".count))
            return "Soundscape \(key) \(str("value") ?? str(key) ?? "?")\(by)"
        case "control.calm":
            if f["on"]?.boolValue == false || f["off"]?.boolValue == true { return "Calm off\(by)" }
            return "Calm: the plan's safe-harbour sound\(by)"
        case "audio.loudness":
            let values = (f["lufs"]?.arrayValue ?? []).compactMap(\.doubleValue)
            guard let lo = values.min(), let hi = values.max() else { return "Loudness heard: below the gate" }
            return "Loudness heard: \(Format.number(lo))" + (hi != lo ? " to \(Format.number(hi))" : "") + " LUFS (short-term)"
        case "control.next": return "Next phase: \(str("from") ?? "?") → \(str("to") ?? "?")\(by)"
        case "control.hold":
            var s = "Phase held +" + SessionClock.length(f["seconds"]?.doubleValue ?? 0)
            if let total = f["held_seconds"]?.doubleValue { s += " (held \(SessionClock.length(total)) in all)" }
            return s + by
        case "control.volume":
            var s = "Volume \(str("db") ?? "?") dB"
            if f["clamped"]?.boolValue == true { s += " (asked \(str("requested_db") ?? "?") dB, capped)" }
            if let r = str("ramp_seconds") { s += ", ramp \(r) s" }
            return s + by
        case "control.output":
            let name = str("output") ?? "?"
            if f["on"]?.boolValue == false { return "Output \(name) off" + by }
            var s = "Output \(name) \(str("db") ?? "?") dB"
            // The plan's [headphones_off] raise: up while the headphones are off, back when on.
            if str("reason") == "headphones_off" {
                s = "Output \(name) up \(str("raise_db") ?? "?") dB to \(str("heard_db") ?? "?") dB (headphones off)"
            } else if str("reason") == "headphones_on" {
                s = "Output \(name) back to \(str("db") ?? "?") dB (headphones on)"
            }
            if let r = str("ramp_seconds") { s += ", ramp \(r) s" }
            return s + by
        case "mark.vitals":
            var parts: [String] = []
            if let sys = str("systolic"), let dia = str("diastolic") { parts.append("BP \(sys)/\(dia)") }
            if let hr = str("heart_rate") { parts.append("HR \(hr)") }
            if let o = str("spo2") { parts.append("SpO2 \(o)%") }
            if let rr = str("respiratory_rate") { parts.append("RR \(rr)") }
            if let temp = str("temperature") { parts.append("temp \(temp) °C") }
            if let t = text { parts.append(t) }
            let alerts = SummaryReport.alerts(f)
            return "Vitals" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
                + (alerts.isEmpty ? "" : "; ALERT " + alerts.joined(separator: ", ")) + by
        case "mark.adverse_event":
            var s = "ADVERSE EVENT"
            var parts: [String] = []
            if let k = str("kind") { parts.append(k) }
            if let sev = str("severity") { parts.append("severity \(sev)") }
            if let r = str("response") { parts.append("response: \(r)") }
            if let t = text { parts.append(t) }
            if !parts.isEmpty { s += ": " + parts.joined(separator: "; ") }
            return s + by
        case "mark.statement": return (text.map { "Client: “\($0)”" } ?? "Client statement") + by
        case "mark.note": return withText("Note") + by
        case "plan.warning": return "Plan warning: \(str("message") ?? "")"
        default:
            if kind.hasPrefix("mark.") {
                let name = String(kind.dropFirst(5)).replacingDashes()
                let rest = f.filter { !["text", "user", "by"].contains($0.key) }.map { "\($0.key) \(Format.value($0.value))" }
                var s = name.prefix(1).uppercased() + name.dropFirst()
                if !rest.isEmpty { s += " (" + rest.joined(separator: ", ") + ")" }
                return withText(s) + by
            }
            let rest = f.map { "\($0.key)=\(Format.value($0.value))" }
            return kind + (rest.isEmpty ? "" : ": " + rest.joined(separator: ", "))
        }
    }
}
