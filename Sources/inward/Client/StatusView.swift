import InwardCore
import InwardProtocol

/// An `io.inward.Session.SessionStatus` as the CLI shows it: its texts and
/// the local clock's advance between replies.
struct StatusView {
    var state: String
    var sessionID: String?
    var plan: String?
    var client: String?
    var phaseName: String?
    var phaseIndex: Int?
    var phaseCount: Int
    var phaseSource: String?
    var untilDose: Bool
    var secondsInPhase: Double
    var secondsLeft: Double?
    var sessionSeconds: Double
    var t0Seconds: Double?
    var boosters: Int
    var trackTitle: String?
    var trackArtist: String?
    var trackPath: String?
    var trackPosition: Double?
    var trackDuration: Double?
    var volumeDB: Double
    var capDB: Double?
    var levelDB: Double?
    var device: String?
    /// Seconds since the device was lost; nil while it plays.
    var deviceLost: Double?
    var heldSeconds: Double
    /// The calm level while in calm; nil otherwise.
    var calmLevelDB: Double?
    /// The vitals reading owed first: whether there is one, its T+ time
    /// (nil: before the dose) and the seconds until it is due.
    var vitalsOwed: Bool
    var vitalsDueT0: Double?
    var vitalsIn: Double
    /// Aftercare (after the music), and the vital signs outside their alert limits.
    var aftercare: SessionStatus.Aftercare?
    var alerts: [SessionStatus.VitalAlert]
    /// The room's outputs (shown when there are several, or the one is not `main`).
    var outputs: [SessionStatus.Output]

    /// A status object as a reply carries it (decoded leniently by `SessionStatus`).
    init(_ o: JSONObject) { self.init(SessionStatus(json: o)) }

    init(_ s: SessionStatus) {
        state = s.state.rawValue
        sessionID = s.sessionID
        plan = s.plan
        client = s.client
        phaseName = s.phase?.name
        phaseIndex = s.phase?.index
        phaseSource = s.phase?.source
        untilDose = s.phase?.untilDose ?? false
        phaseCount = s.phaseCount
        secondsInPhase = s.secondsInPhase
        secondsLeft = s.secondsLeft
        sessionSeconds = s.sessionSeconds
        t0Seconds = s.t0Seconds
        boosters = s.boosters
        vitalsOwed = s.vitalsDue != nil
        vitalsDueT0 = s.vitalsDue?.t0Seconds
        vitalsIn = s.vitalsDue?.inSeconds ?? 0
        trackTitle = s.track?.title
        trackArtist = s.track?.artist
        trackPath = s.track?.path
        trackPosition = s.track?.positionSeconds
        trackDuration = s.track?.durationSeconds
        volumeDB = s.volumeDB
        // An idle daemon has no plan, so no cap to show.
        capDB = s.isIdle ? nil : s.volumeCapDB
        levelDB = s.levelDB
        device = s.device.isEmpty ? nil : s.device
        heldSeconds = s.heldSeconds
        deviceLost = s.deviceLostSeconds
        aftercare = s.aftercare
        alerts = s.alerts
        outputs = s.outputs
        calmLevelDB = s.calm ? (s.calmLevelDB ?? 0) : nil
    }

    var isIdle: Bool { state == "idle" }
    var hasTrack: Bool { trackPath != nil || trackTitle != nil }

    /// The status `elapsed` seconds later, by the local clock: the session
    /// clock runs on in every state (pause only fades the music); the track
    /// moves only while music plays.
    func advanced(by elapsed: Double) -> StatusView {
        guard !isIdle, elapsed > 0 else { return self }
        var s = self
        s.secondsInPhase += elapsed
        s.sessionSeconds += elapsed
        if let left = secondsLeft { s.secondsLeft = max(0, left - elapsed) }
        if let t0 = t0Seconds { s.t0Seconds = t0 + elapsed }
        if vitalsOwed { s.vitalsIn -= elapsed }
        if let lost = deviceLost { s.deviceLost = lost + elapsed }
        if let a = aftercare { s.aftercare?.dischargeInSeconds = max(0, a.dischargeInSeconds - elapsed) }
        if state == "playing" || state == "waiting_for_dose", let pos = trackPosition {
            s.trackPosition = trackDuration.map { min($0, pos + elapsed) } ?? pos + elapsed
        }
        return s
    }

    // MARK: pieces of text

    var stateText: String {
        if let calm = calmLevelDB, state == "playing" || state == "waiting_for_dose" {
            return "calm at \(String(format: "%.1f", calm)) dB (the clock and phases run on; `inward resume` goes back)"
        }
        return switch state {
        case "waiting_for_dose": "waiting for the dose"
        case "paused": "paused (music faded down; the clock runs on)"
        case "silenced": "silenced (`inward resume` brings the sound back)"
        case "aftercare": "aftercare (the music has ended; the record is open until `inward discharge`)"
        default: ErrorReport.stateText(state)
        }
    }

    var phaseText: String {
        guard let name = phaseName else { return "-" }
        let position = phaseIndex.map { " (\($0 + 1)/\(phaseCount))" } ?? ""
        return name + position
    }

    var phaseTimes: String {
        var t = "\(SessionClock.counter(secondsInPhase)) in"
        if let left = secondsLeft { t += ", \(SessionClock.counter(left.rounded(.up))) left" } else if untilDose { t += ", until the dose" }
        if heldSeconds > 0 { t += " (held +\(SessionClock.counter(heldSeconds)))" }
        return t
    }

    var clockText: String {
        guard let t0 = t0Seconds else { return "waiting for the dose" }
        var t = SessionClock.t(t0)
        if boosters > 0 { t += " (\(boosters) booster\(boosters == 1 ? "" : "s"))" }
        return t
    }

    var trackText: String {
        if hasTrack {
            var t: String
            if let title = trackTitle {
                t = title
                if let artist = trackArtist { t += " — " + artist }
            } else {
                t = trackPath ?? "?"
            }
            if let pos = trackPosition {
                t += " (\(SessionClock.counter(pos))"
                if let dur = trackDuration { t += " / \(SessionClock.counter(dur))" }
                t += ")"
            }
            return t
        }
        if calmLevelDB != nil { return "calm soundscape" }
        switch phaseSource {
        case "silence": return "silence"
        default: return "soundscape"
        }
    }

    /// The vitals reading owed, or nil: "due at T+00:40:00 (in 3:12)", "OVERDUE since T+00:40:00 (2:10)".
    var vitalsText: String? {
        guard vitalsOwed else { return nil }
        guard let t = vitalsDueT0 else { return "due before the dose (`inward mark vitals --field ...`)" }
        if vitalsIn > 0 { return "due at \(SessionClock.t(t)) (in \(SessionClock.counter(vitalsIn.rounded(.up))))" }
        return "OVERDUE since \(SessionClock.t(t)) (\(SessionClock.counter(-vitalsIn)) ago): `inward mark vitals --field ...`"
    }

    /// The device, and how long ago it was lost while it is.
    var deviceText: String {
        var t = device ?? "?"
        if let lost = deviceLost { t += ": device lost \(Int(lost.rounded(.down))) s ago; retrying every second" }
        return t
    }

    /// One line per output: "speakers  hw:CARD=PCH  +2.0 dB  playing  delay 43 ms  offset +0.2 ms".
    var outputTexts: [String] {
        guard outputs.count > 1 || outputs.first.map({ $0.name != "main" }) == true else { return [] }
        let width = outputs.map(\.name.count).max() ?? 0
        return outputs.map { o in
            var t = o.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(o.device)  "
            t += o.on ? "\(StatusView.db(o.levelDB)) dB" : "off"
            if let up = o.raisedDB { t += " (\(StatusView.db(up)) dB, headphones off)" }
            t += "  \(o.state)"
            if o.clock && o.name != outputs.first?.name { t += " (clock)" }
            if let d = o.delaySeconds { t += "  delay \(Int((d * 1000).rounded())) ms" }
            if let off = o.offsetSeconds { t += "  offset \(off >= 0 ? "+" : "-")\(String(format1: abs(off * 1000))) ms" }
            return t
        }
    }

    /// When discharge is allowed, in aftercare.
    var aftercareText: String? {
        guard let a = aftercare else { return nil }
        var t = "music ended at \(SessionClock.counter(a.musicEndedSeconds)) session time"
        if let minimum = a.minAfterDoseSeconds {
            t += a.dischargeInSeconds > 0
                ? "; discharge from \(SessionClock.t(minimum)) (in \(SessionClock.counter(a.dischargeInSeconds.rounded(.up))))"
                : "; discharge allowed (the plan's \(SessionClock.counter(minimum)) after the dose have passed)"
        } else {
            t += "; discharge allowed"
        }
        return t
    }

    /// The standing alerts, in words (never a bell: it may sound in the room).
    var alertsText: String? {
        alerts.isEmpty ? nil : alerts.map { "ALERT " + $0.message }.joined(separator: "; ")
    }

    var levelText: String {
        var t = "volume \(StatusView.db(volumeDB)) dB"
        if let cap = capDB { t += " (at most \(StatusView.db(cap, sign: true)) dB)" }
        if let level = levelDB { t += ", phase level \(StatusView.db(level, sign: false)) dB" }
        return t
    }

    /// The phase's progress from 0 to 1, or nil when its end is not known.
    var progress: Double? {
        guard let left = secondsLeft else { return nil }
        let total = secondsInPhase + left
        return total > 0 ? min(1, max(0, secondsInPhase / total)) : 1
    }

    /// The T+ clock: T+HH:MM:SS (negative before T0 never happens: null then).
    /// dB with one decimal and a sign: "-6.0", "+3.0", "0.0".
    static func db(_ v: Double, sign: Bool = true) -> String {
        let r = (v * 10).rounded() / 10
        let body = String(format1: abs(r))
        if r < 0 { return "-" + body }
        return (sign && r > 0 ? "+" : "") + body
    }

    // MARK: whole views

    /// The full `inward status` text.
    var fullText: String {
        if isIdle {
            return "no session is running (daemon idle, device \(device ?? "?")); start one with `inward start PLAN`"
        }
        var lines: [String] = []
        var head = "session \(sessionID ?? "?")"
        if let plan { head += "  plan \(plan)" }
        if let client { head += "  client \(client)" }
        lines.append(head)
        lines.append("state   \(stateText)")
        // In aftercare no phase plays: the state line says so.
        if aftercare == nil { lines.append("phase   \(phaseText)  \(phaseTimes)") }
        lines.append("clock   \(clockText)")
        if let after = aftercareText {
            lines.append("after   \(after)")
        } else {
            lines.append("sound   \(trackText)")
            lines.append("level   \(levelText)")
        }
        if let vitals = vitalsText { lines.append("vitals  \(vitals)") }
        if let alerts = alertsText { lines.append("alerts  \(alerts)") }
        lines.append("device  \(deviceText)")
        for output in outputTexts { lines.append("output  \(output)") }
        return lines.joined(separator: "\n")
    }

    /// One line, for `status --follow` when piped.
    var line: String {
        if isIdle { return "idle" }
        var parts = [state]
        if aftercare == nil { parts += ["phase \(phaseText)", phaseTimes] }
        parts.append(t0Seconds.map { SessionClock.t($0) } ?? "waiting for the dose")
        if aftercare == nil { parts.append(trackText) }
        parts.append("vol \(StatusView.db(volumeDB)) dB")
        if let level = levelDB { parts.append("phase level \(StatusView.db(level, sign: false)) dB") }
        if let vitals = vitalsText { parts.append("vitals " + vitals) }
        if deviceLost != nil { parts.append(deviceText) }
        if let after = aftercareText { parts.append(after) }
        if let alerts = alertsText { parts.append(alerts) }
        return parts.joined(separator: " | ")
    }

    /// The block `status --follow` redraws on a terminal.
    func block(width: Int = 24, lastEvent: String?) -> [String] {
        if isIdle {
            return ["idle: no session is running (device \(device ?? "?"))", lastEvent.map { "last  " + $0 } ?? ""]
        }
        let filled = progress.map { Int(($0 * Double(width)).rounded(.down)) } ?? 0
        let bar = progress == nil
            ? String(repeating: "░", count: width)
            : String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var lines = [
            "\(sessionID ?? "?")  \(plan ?? "")  \(stateText)",
            aftercare == nil ? "\(phaseText)  \(bar)  \(phaseTimes)" : "aftercare: the music has ended",
            aftercare == nil ? "\(clockText)  ·  \(trackText)" : clockText,
            "\(levelText)  ·  \(deviceText)",
        ]
        if let vitals = vitalsText { lines.append("vitals  " + vitals) }
        if let lastEvent { lines.append("last  " + lastEvent) }
        return lines
    }
}

extension String {
    /// A non-negative number with exactly one decimal.
    init(format1 v: Double) {
        let tenths = Int((v * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}

/// One line for a Monitor event.
enum EventLine {
    static func line(_ e: JSONObject) -> String {
        let kind = e["kind"]?.stringValue ?? "event"
        var t = ""
        if let time = e["time"]?.stringValue, let tIndex = time.firstIndex(of: "T") {
            t = String(time[time.index(after: tIndex)...].prefix(8)) + " "
        }
        if let t0 = e["t0_seconds"]?.doubleValue { t += SessionClock.t(t0) + " " }
        t += kind
        if let phase = e["phase"]?.stringValue { t += " [\(phase)]" }
        if let fields = e["fields"]?.objectValue, !fields.isEmpty {
            t += " " + fields.map { m in "\(m.key)=\(m.value.stringValue ?? m.value.jsonString)" }.joined(separator: " ")
        }
        return t
    }
}
