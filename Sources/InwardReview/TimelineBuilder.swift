import InwardCore
public import InwardLog
public import InwardProtocol

extension ReviewTimeline {
    /// Reconstructs a session from what the reader found in its log.
    public init(_ contents: LogContents) {
        self.init(events: contents.events, warnings: contents.warnings)
    }

    public init(events logEvents: [LogEvent], warnings: [String] = []) {
        duration = 0
        events = []
        phases = []
        tracks = []
        quiet = []
        envelope = []
        self.warnings = warnings

        // T0: from the first line that carries a T0-relative time.
        for e in logEvents {
            if let t = e.line.t0Seconds {
                t0 = e.line.sessionSeconds - t
                break
            }
        }
        if t0 == nil, let dose = logEvents.first(where: { $0.line.kind == "dose" }) { t0 = dose.line.sessionSeconds }

        // Events in session-time order (the log's order breaks ties).
        let ordered = logEvents.enumerated().sorted {
            $0.element.line.sessionSeconds != $1.element.line.sessionSeconds
                ? $0.element.line.sessionSeconds < $1.element.line.sessionSeconds : $0.offset < $1.offset
        }.map(\.element)

        var envelope = EnvelopeBuilder()
        var openPhase: PhaseSpan?
        var openTrack: (span: TrackSpan, entry: Int64?)?
        var openQuiet: QuietSpan?
        var phaseEndedByNext = false

        func closePhase(at s: Double, natural: Bool) {
            guard var p = openPhase else { return }
            p.end = max(s, p.start)
            if p.plannedSeconds == nil, natural, p.advancedBy == nil { p.plannedSeconds = p.actualSeconds - p.heldSeconds }
            phases.append(p)
            openPhase = nil
        }
        func closeTrack(at s: Double) {
            guard var t = openTrack?.span else { return }
            t.end = max(s, t.start)
            tracks.append(t)
            openTrack = nil
        }
        func closeQuiet(at s: Double) {
            guard var q = openQuiet else { return }
            q.end = max(s, q.start)
            quiet.append(q)
            openQuiet = nil
        }

        for e in ordered {
            let l = e.line
            let s = l.sessionSeconds
            let f = l.fields
            duration = max(duration, s)
            let t0Relative = l.t0Seconds ?? t0.map { s - $0 }
            let clock = t0Relative.map(SessionClock.t) ?? SessionClock.s(s)
            var summary = Self.summary(l.kind, f, phase: l.phase)
            if l.kind == "track.end", f["title"] == nil, f["file"] == nil, let open = openTrack?.span {
                summary = "Track ended: " + open.title + (open.artist.map { " — \($0)" } ?? "")
            }
            events.append(ReviewEvent(lineNumber: e.lineNumber, seq: l.seq, time: l.time, sessionSeconds: s,
                                      t0Seconds: t0Relative, kind: l.kind, phase: l.phase, fields: f,
                                      category: Self.category(l.kind), summary: summary,
                                      clock: clock))
            let by = f["by"]?.stringValue
            switch l.kind {
            case "session.start":
                sessionID = f["session_id"]?.stringValue
                client = f["client"]?.stringValue
                plan = f["plan"]?.stringValue
                planFile = f["plan_file"]?.stringValue.map(Self.baseName)
                planSHA256 = f["plan_sha256"]?.stringValue
                device = f["device"]?.stringValue
                sampleRate = f["sample_rate"]?.int64Value.map { Int($0) }
                startTime = l.time
                envelope.set(at: s, base: f["level_db"]?.doubleValue ?? 0, ramp: 0)
            case "session.end":
                endTime = l.time
                endReason = f["reason"]?.stringValue
                if sessionID == nil { sessionID = f["session_id"]?.stringValue }
            case "phase.start" where f["reason"]?.stringValue == "resumed"
                && openPhase?.index == f["phase_index"]?.int64Value.map({ Int($0) }):
                break   // the same phase going on after a restart: its band continues
            case "phase.start":
                let firstPhase = phases.isEmpty && openPhase == nil
                closePhase(at: s, natural: !phaseEndedByNext)
                phaseEndedByNext = false
                openPhase = PhaseSpan(name: l.phase ?? f["name"]?.stringValue ?? "phase", index: f["phase_index"]?.int64Value.map { Int($0) },
                                      start: s, end: s, plannedSeconds: f["planned_seconds"]?.doubleValue, heldSeconds: 0)
                if let level = f["level_db"]?.doubleValue {
                    if firstPhase {
                        // Nothing is heard before the first phase: it fades in from silence.
                        let from = envelope.points.first?.seconds ?? s
                        envelope.points = [EnvelopePoint(seconds: from, db: ReviewTimeline.floorDB)]
                        if s > from { envelope.points.append(EnvelopePoint(seconds: s, db: ReviewTimeline.floorDB)) }
                    }
                    envelope.set(at: s, base: level, ramp: f["fade_in_seconds"]?.doubleValue ?? 0)
                }
            case "session.resume":
                // Nothing was heard while the daemon was down; the music came back over the fade.
                let gap = max(0, f["gap_seconds"]?.doubleValue ?? 0)
                let quietBefore = openQuiet
                closeQuiet(at: s - gap)
                quiet.append(QuietSpan(kind: .outage, start: s - gap, end: s, by: nil))
                envelope.set(at: s - gap, muted: true, ramp: 0)
                if let q = quietBefore, q.kind != .stop {
                    openQuiet = QuietSpan(kind: q.kind, start: s, end: s, by: q.by)
                } else {
                    envelope.set(at: s, muted: false, ramp: f["fade_seconds"]?.doubleValue ?? 0)
                }
            case "phase.end":
                closePhase(at: s, natural: !phaseEndedByNext)
                phaseEndedByNext = false
            case "track.start":
                closeTrack(at: s)
                let file = f["file"]?.stringValue.map(Self.baseName)
                openTrack = (TrackSpan(title: f["title"]?.stringValue ?? file ?? "track", artist: f["artist"]?.stringValue, file: file,
                                       phase: l.phase, start: s, end: s, isSoundscape: false), f["entry"]?.int64Value)
            case "track.end":
                closeTrack(at: s)
            case "soundscape.takeover":
                closeTrack(at: s)
                openTrack = (TrackSpan(title: "soundscape", artist: nil, file: nil, phase: l.phase, start: s, end: s, isSoundscape: true), nil)
            case "control.hold":
                openPhase?.heldSeconds += f["seconds"]?.doubleValue ?? 0
            case "control.next":
                openPhase?.advancedBy = by ?? "therapist"
                phaseEndedByNext = true
            case "control.volume":
                envelope.set(at: s, volume: f["db"]?.doubleValue ?? 0, ramp: f["ramp_seconds"]?.doubleValue ?? 0)
            case "control.pause", "control.silence":
                closeQuiet(at: s)
                openQuiet = QuietSpan(kind: l.kind == "control.pause" ? .pause : .silence, start: s, end: s, by: by)
                envelope.set(at: s, muted: true, ramp: f["fade_seconds"]?.doubleValue ?? 0)
            case "control.resume":
                closeQuiet(at: s)
                envelope.set(at: s, muted: false, ramp: f["fade_seconds"]?.doubleValue ?? 0)
            case "control.stop":
                closeQuiet(at: s)
                openQuiet = QuietSpan(kind: .stop, start: s, end: s, by: by)
                envelope.set(at: s, muted: true, ramp: f["fade_seconds"]?.doubleValue ?? 0)
            default:
                break
            }
        }
        closePhase(at: duration, natural: false)
        closeTrack(at: duration)
        closeQuiet(at: duration)
        self.envelope = envelope.finish(at: duration)
        if let plan = logEvents.first(where: { $0.line.kind == "session.start" })?.line.fields["vitals"]?.objectValue {
            let schedule = VitalsSchedule(beforeDose: plan["before_dose"]?.boolValue ?? false,
                                          at: plan["at_t0_seconds"]?.arrayValue?.compactMap(\.doubleValue) ?? [],
                                          every: plan["every_seconds"]?.doubleValue)
            let readings = logEvents.filter { $0.line.kind == "mark.vitals" }.map(\.line.sessionSeconds)
            vitals = schedule.outcomes(t0: t0, end: duration, readings: readings)
        }
    }

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
        let by = str("by").map { " (by \($0))" } ?? ""
        let text = str("text")
        func withText(_ s: String) -> String { text.map { "\(s): \($0)" } ?? s }
        switch kind {
        case "session.start":
            var parts = ["Session started", "plan \(str("plan") ?? "?")"]
            if let c = str("client") { parts.append("client \(c)") }
            if let d = str("device") { parts.append("device \(d)") }
            return parts.joined(separator: ", ")
        case "session.end": return "Session ended" + (str("reason").map { ": \($0)" } ?? "")
        case "session.resume":
            return "The daemon restarted; the session went on after \(str("gap_seconds") ?? "?") s"
                + (str("fade_seconds").map { ", the music back over \($0) s" } ?? "")
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
            return s
        case "control.pause": return "Music paused\(by)" + (str("fade_seconds").map { ", fade \($0) s" } ?? "")
        case "control.resume": return "Music resumed\(by)" + (str("fade_seconds").map { ", fade \($0) s" } ?? "")
        case "control.silence": return "Silence\(by)" + (str("fade_seconds").map { ", fade \($0) s" } ?? "")
        case "control.stop": return "Stop\(by)" + (str("fade_seconds").map { ", fade out \($0) s" } ?? "")
        case "control.skip": return "Track skipped\(by)"
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
        case "mark.vitals":
            var parts: [String] = []
            if let sys = str("systolic"), let dia = str("diastolic") { parts.append("BP \(sys)/\(dia)") }
            if let hr = str("heart_rate") { parts.append("HR \(hr)") }
            if let o = str("spo2") { parts.append("SpO2 \(o)%") }
            if let t = text { parts.append(t) }
            return "Vitals" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
        case "mark.adverse_event":
            var s = "ADVERSE EVENT"
            var parts: [String] = []
            if let k = str("kind") { parts.append(k) }
            if let sev = str("severity") { parts.append("severity \(sev)") }
            if let r = str("response") { parts.append("response: \(r)") }
            if let t = text { parts.append(t) }
            if !parts.isEmpty { s += ": " + parts.joined(separator: "; ") }
            return s
        case "mark.statement": return text.map { "Client: “\($0)”" } ?? "Client statement"
        case "mark.note": return withText("Note")
        case "plan.warning": return "Plan warning: \(str("message") ?? "")"
        default:
            if kind.hasPrefix("mark.") {
                let name = String(kind.dropFirst(5)).replacingDashes()
                let rest = f.filter { $0.key != "text" }.map { "\($0.key) \(Format.value($0.value))" }
                var s = name.prefix(1).uppercased() + name.dropFirst()
                if !rest.isEmpty { s += " (" + rest.joined(separator: ", ") + ")" }
                return withText(s)
            }
            let rest = f.map { "\($0.key)=\(Format.value($0.value))" }
            return kind + (rest.isEmpty ? "" : ": " + rest.joined(separator: ", "))
        }
    }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" || $0 == "_" ? " " : $0 }) }
}

/// Value formatting shared by the reports.
public enum Format {
    /// A field value as text: strings as is, numbers short (`5`, `2.5`), yes/no.
    public static func value(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "yes" : "no"
        case .integer(let i): return "\(i)"
        case .number(let d): return number(d)
        case .string(let s): return s
        default: return v.jsonString
        }
    }

    /// `5`, `2.5`, `-3.25` (at most 2 decimals).
    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "\(d)" }
        let r = (d * 100).rounded() / 100
        if r == r.rounded() && abs(r) < 1e15 { return "\(Int64(r))" }
        var s = "\(r)"
        if s.hasSuffix("0") && s.contains(".") { s.removeLast() }
        return s
    }
}

/// The level envelope: piecewise linear in dB.
struct EnvelopeBuilder {
    var points: [EnvelopePoint] = []
    var base = 0.0
    var volume = 0.0
    var muted = false

    var target: Double { muted ? ReviewTimeline.floorDB : max(ReviewTimeline.floorDB, base + volume) }

    func value(at s: Double) -> Double {
        guard let last = points.last else { return target }
        if s >= last.seconds { return last.db }
        var i = points.count - 1
        while i > 0 && points[i - 1].seconds > s { i -= 1 }
        if i == 0 { return points[0].db }
        let a = points[i - 1], b = points[i]
        if b.seconds <= a.seconds { return b.db }
        return a.db + (b.db - a.db) * (s - a.seconds) / (b.seconds - a.seconds)
    }

    mutating func apply(at s: Double, ramp: Double, change: (inout EnvelopeBuilder) -> Void) {
        let now = value(at: s)
        while let last = points.last, last.seconds > s { points.removeLast() }
        if points.last?.seconds != s || points.last?.db != now { points.append(EnvelopePoint(seconds: s, db: now)) }
        change(&self)
        points.append(EnvelopePoint(seconds: s + max(0, ramp), db: target))
    }

    mutating func set(at s: Double, base: Double, ramp: Double) { apply(at: s, ramp: ramp) { $0.base = base } }
    mutating func set(at s: Double, volume: Double, ramp: Double) { apply(at: s, ramp: ramp) { $0.volume = volume } }
    mutating func set(at s: Double, muted: Bool, ramp: Double) { apply(at: s, ramp: ramp) { $0.muted = muted } }

    func finish(at end: Double) -> [EnvelopePoint] {
        var out = points
        if out.isEmpty { return [EnvelopePoint(seconds: 0, db: target), EnvelopePoint(seconds: end, db: target)] }
        if let last = out.last, last.seconds < end { out.append(EnvelopePoint(seconds: end, db: last.db)) }
        return out
    }
}
