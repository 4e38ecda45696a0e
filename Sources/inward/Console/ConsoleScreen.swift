import InwardCore
import InwardProtocol

/// What the console shows, laid out for the terminal's size (80×24 and up):
/// the room's state, phase and time left, T+, what is playing, level, vitals
/// owed and alerts, the last marks, the answer to the last key, and the keys.
/// Pure: built from values, drawn by `Curses`.
struct ConsoleScreen {
    var room: String?
    var socket: String
    /// The latest status, advanced by the local clock since it arrived.
    var status: SessionStatus?
    var view: StatusView?
    /// nil while the daemon is followed; else why it cannot be.
    var daemonGone: String?
    /// Shown for a while after the daemon came back.
    var daemonBack: String?
    /// The last marks, doses and controls, newest last.
    var marks: [String]
    /// The answer to the last action (or its error), and whether it is an error.
    var message: String?
    var messageIsError = false
    var form: ConsoleForm?

    func lines(width: Int, height: Int) -> [ScreenLine] {
        var top: [ScreenLine] = []
        let rule = String(repeating: "─", count: max(0, width))
        // What the therapist needs first (client, plan) comes first; the
        // socket path, which can be long, last, so a narrow screen cuts only it.
        var head = "Inward"
        if let room { head += "  room \(room)" }
        if let s = status, !s.isIdle {
            if let client = s.client { head += "  client \(client)" }
            if let plan = s.plan { head += "  plan \(plan)" }
            head += "  ·  \(s.sessionID ?? "?")"
        }
        if room == nil { head += "  \(socket)" }
        top.append(ScreenLine(head, .heading))
        if let gone = daemonGone {
            top.append(ScreenLine("DAEMON GONE: \(gone)", .alert))
            top.append(ScreenLine("  retrying every \(Double(MonitorFeed.retryInterval) / 1e6) s; the keys do nothing until it is back"))
        } else if let back = daemonBack {
            top.append(ScreenLine(back, .alert))
        }
        top.append(ScreenLine(rule))
        top += body(width: width)

        var bottom: [ScreenLine] = [ScreenLine(rule)]
        if let form {
            bottom += form.lines
        } else if let message {
            bottom.append(ScreenLine("> " + message, messageIsError ? .alert : .plain))
        } else {
            bottom.append(ScreenLine(""))
        }
        bottom += ConsoleKeys.help.map { ScreenLine($0) }

        // The marks fill what is left between the two.
        let free = max(0, height - top.count - bottom.count)
        var middle: [ScreenLine] = []
        if free > 1 {
            middle.append(ScreenLine("Last marks", .heading))
            let shown = marks.suffix(free - 1)
            if shown.isEmpty { middle.append(ScreenLine("  none yet")) }
            middle += shown.map { ScreenLine("  " + $0) }
        }
        middle += Array(repeating: ScreenLine(""), count: max(0, free - middle.count))
        return Array((top + middle + bottom).prefix(height))
    }

    private func body(width: Int) -> [ScreenLine] {
        guard let v = view, let s = status else {
            return [ScreenLine(daemonGone == nil ? "connecting…" : "")]
        }
        if v.isIdle {
            return [ScreenLine("State    idle: no session is running; start one with `inward start PLAN`"),
                    ScreenLine("Device   \(v.device ?? "?")")]
        }
        var rows: [ScreenLine] = []
        rows.append(ScreenLine("State    \(stateText(s))", s.state == .paused || s.state == .silenced ? .alert : .plain))
        let barWidth = 20
        let bar: String
        if let p = v.progress {
            let filled = Int((p * Double(barWidth)).rounded(.down))
            bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
        } else {
            bar = String(repeating: "░", count: barWidth)
        }
        if s.state == .aftercare {
            rows.append(ScreenLine("Phase    aftercare: the music has ended"))
        } else {
            rows.append(ScreenLine("Phase    \(v.phaseText)  \(bar)  \(v.phaseTimes)"))
        }
        rows.append(ScreenLine("Clock    \(v.clockText)"))
        var sound = s.state == .aftercare ? "none (aftercare)" : v.trackText
        if s.calm { sound = v.hasTrack ? "CALM harbour: \(v.trackText) (space goes back)" : "CALM harbour (space goes back)" }
        if let i = s.soundscapeIntensity, let b = s.soundscapeBrightness {
            sound += String(format: "  intensity %.2f  brightness %.2f", i, b)
        }
        rows.append(ScreenLine("Sound    \(sound)", s.calm ? .alert : .plain))
        rows.append(ScreenLine("Level    \(v.levelText)"))
        rows.append(vitalsLine(v))
        for alert in s.alerts {
            rows.append(ScreenLine("ALERT    \(alert.message)", .alert))
        }
        if let a = s.aftercare {
            rows.append(ScreenLine(a.dischargeInSeconds > 0
                ? "After    discharge allowed in \(SessionClock.counter(a.dischargeInSeconds.rounded(.up)))"
                : "After    discharge allowed now (`inward discharge`)"))
        }
        return rows
    }

    private func stateText(_ s: SessionStatus) -> String {
        switch s.state {
        case .waitingForDose: "waiting for the dose (press d when it is given)"
        case .paused: "PAUSED: music faded down, the clock runs on (space resumes)"
        case .silenced: "SILENCED (space brings the sound back)"
        case .aftercare: "aftercare: the record stays open until discharge"
        default: ErrorReport.stateText(s.state.rawValue)
        }
    }

    private func vitalsLine(_ v: StatusView) -> ScreenLine {
        guard v.vitalsOwed else { return ScreenLine("Vitals   none owed") }
        guard let t = v.vitalsDueT0 else { return ScreenLine("Vitals   due before the dose (press v)", .alert) }
        if v.vitalsIn > 0 {
            return ScreenLine("Vitals   next due at \(SessionClock.t(t)) (in \(SessionClock.counter(v.vitalsIn.rounded(.up))))")
        }
        return ScreenLine("Vitals   OVERDUE since \(SessionClock.t(t)) (\(SessionClock.counter(-v.vitalsIn)) ago): press v", .alert)
    }

    /// One line for a mark, dose or control event; nil for other events.
    static func markLine(_ e: JSONObject) -> String? {
        guard let kind = e["kind"]?.stringValue,
              kind.hasPrefix("mark.") || kind.hasPrefix("control.") || kind == "dose" || kind == "booster"
        else { return nil }
        var t = e["t0_seconds"]?.doubleValue.map { SessionClock.t($0) } ?? (e["time"]?.stringValue.map(wallTime) ?? "")
        let fields = e["fields"]?.objectValue ?? [:]
        if let user = fields["user"]?.stringValue { t += "  " + user }
        t += "  " + kind
        // Who is shown first; sample frames are for the review, not the room.
        let shown = fields.filter { !["user", "by", "frame"].contains($0.key) }
        if !shown.isEmpty {
            t += " " + shown.map { "\($0.key)=\($0.value.stringValue ?? $0.value.jsonString)" }.joined(separator: " ")
        }
        return t
    }

    private static func wallTime(_ rfc3339: String) -> String {
        guard let i = rfc3339.firstIndex(of: "T") else { return rfc3339 }
        return String(rfc3339[rfc3339.index(after: i)...].prefix(8))
    }
}
