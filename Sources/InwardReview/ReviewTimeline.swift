public import InwardCore
public import InwardProtocol

/// One event of the log as the review shows it.
public struct ReviewEvent: Sendable {
    public enum Category: String, Sendable {
        case session, phase, track, control, dose, mark, warning, other
    }

    public var lineNumber: Int
    public var seq: Int64
    /// Wall time as logged (RFC 3339, UTC).
    public var time: String
    public var sessionSeconds: Double
    /// Seconds from T0 (negative before the dose); nil when there is no dose.
    public var t0Seconds: Double?
    public var kind: String
    public var phase: String?
    public var fields: JSONObject
    public var category: Category
    /// One readable line: what happened, without the time.
    public var summary: String
    /// The T+ clock (`T+00:12:30`, `T-00:05:00`; `S+...` when no dose was given).
    public var clock: String
    /// The corrections that name this entry (`mark.correction` with `of` its seq), in log order:
    /// the reports strike it through. Empty for an entry nobody corrected.
    public var corrections: [ReviewCorrection] = []

    /// The alerts the event carries (an `alert` or `alerts` field: a string, an object, or a list of
    /// them), or it is one (`alert`, `*.alert`); empty for none.
    public var alerts: [String] {
        let carried = SummaryReport.alerts(fields)
        if carried.isEmpty && (kind == "alert" || kind.hasSuffix(".alert")) { return [summary] }
        return carried
    }

    /// `mark.vitals` -> `vitals`; dose and booster are marks too.
    public var markKind: String? {
        if kind.hasPrefix("mark.") { return String(kind.dropFirst(5)) }
        if kind == "dose" || kind == "booster" { return kind }
        return nil
    }
}

/// A phase as it was played.
public struct PhaseSpan: Sendable {
    public var name: String
    public var index: Int?
    /// Session seconds.
    public var start: Double
    public var end: Double
    /// Planned length when the log says it (`planned_seconds`), or when it can be
    /// derived (the phase ended on its own: actual minus holds).
    public var plannedSeconds: Double?
    public var heldSeconds: Double
    /// Who advanced it early with `next`, if anyone.
    public var advancedBy: String?
    /// What it plays, from `phase.start`'s `source` (`playlist`, `soundscape`, `silence`); nil when the log does not say.
    public var source: String?
    public var actualSeconds: Double { end - start }
}

/// A track or soundscape as it was heard: from its start to its end, so
/// neighbours overlap through their crossfades.
public struct TrackSpan: Sendable {
    public enum Origin: String, Sendable {
        /// A file of the phase's playlist.
        case playlist
        /// The soundscape that took over a playlist that ran out or failed.
        case takeover
        /// The phase's own source is the soundscape.
        case phase
    }

    public var title: String
    public var artist: String?
    /// File name only (no folders: paths can carry user names).
    public var file: String?
    public var phase: String?
    public var phaseIndex: Int?
    /// Playlist entry index.
    public var entry: Int?
    /// Session seconds.
    public var start: Double
    public var end: Double
    /// Seconds into the file where it began (a resumed session goes on mid-track).
    public var offset: Double = 0
    /// A generated soundscape rather than a file.
    public var isSoundscape: Bool
    public var origin: Origin = .playlist
    /// A soundscape's settings as its phase or takeover gave them (intensity, brightness, ...).
    public var settings: JSONObject = [:]
    /// The span had no end in the log: it was closed by its phase's end or the session's.
    public var endInferred = false
    /// The seq of the event that opened it (`track.start`, `soundscape.takeover`, `phase.start`).
    public var seq: Int64?

    public var length: Double { end - start }
    /// `Title — Artist`.
    public var name: String { title + (artist.map { " — \($0)" } ?? "") }

    /// Position in the file at session time `s`.
    public func position(at s: Double) -> Double { offset + s - start }
}

/// A playlist entry that could not be played.
public struct FailedTrack: Sendable {
    public var seconds: Double
    public var file: String?
    public var reason: String?
    public var phase: String?
}

/// A soundscape setting changed live (`control.intensity`, `control.brightness`).
public struct SettingChange: Sendable {
    public var seconds: Double
    public var key: String
    public var value: JSONValue
}

/// Short-term loudness measured by the daemon at the output: one value per
/// interval (`audio.loudness` events), nil where it was below the gate.
public struct LoudnessSample: Sendable, Equatable {
    /// Session seconds where the interval begins.
    public var start: Double
    public var seconds: Double
    public var lufs: Double?
}

/// A stretch with the music faded down.
public struct QuietSpan: Sendable {
    /// `outage`: the daemon was down (killed, crashed) until it resumed the session.
    /// `calm`: the plan's safe-harbour sound instead of the music.
    public enum Kind: String, Sendable { case pause, silence, stop, outage, calm }
    public var kind: Kind
    public var start: Double
    public var end: Double
    public var by: String?
}

/// The level heard in dB: the phase's `level_db` from its `phase.start` (0 when the log
/// does not say) plus the volume; `ReviewTimeline.floorDB` is silence.
public struct EnvelopePoint: Sendable, Equatable {
    public var seconds: Double
    public var db: Double
}

/// A session reconstructed from its log.
public struct ReviewTimeline: Sendable {
    public static let floorDB = -48.0

    public var sessionID: String?
    public var client: String?
    public var plan: String?
    /// File name only.
    public var planFile: String?
    public var planSHA256: String?
    public var device: String?
    public var sampleRate: Int?
    public var startTime: String?
    public var endTime: String?
    public var endReason: String?
    /// Session seconds of T0 (the dose), nil when no dose was given.
    public var t0: Double?
    /// Session seconds of the last event.
    public var duration: Double
    public var events: [ReviewEvent]
    public var phases: [PhaseSpan]
    public var tracks: [TrackSpan]
    public var quiet: [QuietSpan]
    public var envelope: [EnvelopePoint]
    /// Reader warnings (torn tail, unreadable lines).
    public var warnings: [String]
    /// The readings the plan's [vitals] schedule asked for, each taken or
    /// missed; empty when the plan had no schedule.
    public var vitals: [VitalsSchedule.Outcome] = []
    /// Playlist entries that failed.
    public var failed: [FailedTrack] = []
    /// Live soundscape setting changes, in time order.
    public var settingChanges: [SettingChange] = []
    /// Heard loudness, where the log has it (`audio.loudness`), in time order.
    public var loudness: [LoudnessSample] = []
    /// The room's time zone as `session.start` recorded it (IANA name), and its offset then.
    public var logTimeZone: String?
    public var logUTCOffset: Int?
    /// The zone wall-clock times are shown in (text, HTML); see `ReviewZone`.
    public var zone: ReviewZone = .utc
    /// Route from the session start or the dose, when logged.
    public var route: String?
    /// The record after the music until the discharge; nil when the session had none
    /// (no dose, or a log from before aftercare).
    public var aftercare: AftercareSpan?

    /// Dose, boosters and `mark.*` events.
    public var marks: [ReviewEvent] { events.filter { $0.markKind != nil } }
    public var dose: ReviewEvent? { events.first { $0.kind == "dose" } }

    /// One planned vitals reading in words: "T+00:40:00  taken at T+00:41:10 (1:10 late)", "... MISSED".
    public static func vitalsLine(_ o: VitalsSchedule.Outcome) -> (due: String, outcome: String) {
        let due = o.t0Seconds.map(SessionClock.t) ?? "before the dose"
        guard let taken = o.takenT0Seconds else { return (due, "MISSED") }
        var text = "taken at " + SessionClock.t(taken)
        if let t = o.t0Seconds, taken - t >= 60 { text += " (\(SessionClock.length(taken - t)) late)" }
        return (due, text)
    }

    /// The T+ clock for a session time.
    public func clock(sessionSeconds s: Double) -> String {
        if let t0 { return SessionClock.t(s - t0) }
        return SessionClock.s(s)
    }
}
