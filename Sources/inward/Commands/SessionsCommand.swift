import ArgumentParser
import Foundation
import InwardCore
import InwardLog
import InwardProtocol
import InwardReview

/// `inward sessions`: past sessions from the state folder's logs.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List past sessions: date, client code, plan, length, dose time, marks, alerts, discharge.",
        discussion: """
            Reads STATE/sessions/*.jsonl (--room ROOM: that room's). Dates and times are local \
            wall-clock time in the room's zone from the log (else this machine's). Narrow the \
            list with --client, --since and --until (dates YYYY-MM-DD, both inclusive, or RFC \
            3339 times). Review one with `inward review SESSION`, check it with `inward verify SESSION`.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this client code's sessions.", valueName: "code"))
    var client: String?

    @Option(name: .long, help: ArgumentHelp("Only sessions started on or after this date (YYYY-MM-DD) or time (RFC 3339).", valueName: "date"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only sessions started on or before this date (YYYY-MM-DD) or time (RFC 3339).", valueName: "date"))
    var until: String?

    @Option(name: .long, help: "The daemon's state folder (default: INWARD_STATE_DIR, /var/lib/inward/ROOM with --room, /var/lib/inward as root, else $XDG_STATE_HOME/inward).")
    var stateDir: String?

    struct Row {
        var id: String
        var timeline: ReviewTimeline
        var warnings: Int
        /// Local start date and time, `2026-11-26 10:00`.
        var date: String { timeline.localDateTime(timeline.startTime).map { String($0.prefix(16)) } ?? "?" }
        /// Alerts the log carries (`alert` fields on events, or alert events).
        var alerts: Int {
            timeline.events.reduce(0) { $0 + $1.alerts.count }
        }
        /// The discharge: `mark.discharge`, or the record closed with reason `discharged`.
        var discharge: ReviewEvent? {
            timeline.events.first { $0.kind == "mark.discharge" || ($0.kind == "session.end" && $0.fields["reason"]?.stringValue == "discharged") }
        }
    }

    /// A `--since`/`--until` bound: a date (the whole local day) or an RFC 3339 time.
    enum Bound {
        case date(String)
        case time(Double)

        init?(_ text: String) {
            if text.count == 10, WallTime.unix(text + "T00:00:00Z") != nil { self = .date(text) }
            else if let u = WallTime.unix(text) { self = .time(u) }
            else { return nil }
        }

        /// Whether `row` started at or after (`after`) / at or before this bound.
        func admits(_ row: Row, after: Bool) -> Bool {
            switch self {
            case .date(let d):
                let local = String(row.date.prefix(10))
                return after ? local >= d : local <= d
            case .time(let u):
                guard let start = row.timeline.startTime.flatMap(WallTime.unix) else { return false }
                return after ? start >= u : start <= u
            }
        }
    }

    func validate() throws {
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Bound(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a date: give YYYY-MM-DD or an RFC 3339 time such as 2026-11-26T10:00:00+01:00")
            }
        }
    }

    func run() throws {
        let dir = SessionLogs.sessionsDir(stateDir, room: global.room)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jsonl") }
        } catch {
            if global.json { Output.json(.array([])) } else { print("no sessions yet (\(dir) does not exist or cannot be read); "
                + "name the room with --room ROOM (or INWARD_ROOM), or give --state-dir") }
            return
        }
        var rows: [Row] = []
        for name in names {
            guard let contents = try? LogReader.read(contentsOf: dir + "/" + name) else { continue }
            var t = ReviewTimeline(contents)
            if let client, t.client != client { continue }
            t.zone = (try? TimeZones.choose(nil, for: t)) ?? t.zone
            let row = Row(id: String(name.dropLast(6)), timeline: t, warnings: contents.warnings.count)
            if let since, let b = Bound(since), !b.admits(row, after: true) { continue }
            if let until, let b = Bound(until), !b.admits(row, after: false) { continue }
            rows.append(row)
        }
        rows.sort { ($0.timeline.startTime ?? "", $0.id) < ($1.timeline.startTime ?? "", $1.id) }

        if global.json {
            Output.json(.array(rows.map { r -> JSONValue in
                let t = r.timeline
                var o: JSONObject = ["session_id": .string(r.id), "length_seconds": .number(t.duration),
                                     "marks": .integer(Int64(t.marks.filter { $0.category == .mark }.count)),
                                     "warnings": .integer(Int64(r.warnings))]
                if let v = t.startTime { o["start_time"] = .string(v) }
                if let v = t.client { o["client"] = .string(v) }
                if let v = t.plan { o["plan"] = .string(v) }
                if let d = t.dose { o["dose_time"] = .string(d.time); o["dose_session_seconds"] = .number(d.sessionSeconds) }
                if let v = t.endReason { o["end_reason"] = .string(v) }
                if let v = t.logTimeZone { o["time_zone"] = .string(v) }
                if let v = t.startTime.flatMap(t.utcOffset) { o["utc_offset_seconds"] = .integer(Int64(v)) }
                o["alerts"] = .integer(Int64(r.alerts))
                if let d = r.discharge { o["discharge_time"] = .string(d.time) }
                return .object(o)
            }))
            return
        }
        if rows.isEmpty {
            let filters = [client.map { "client \($0)" }, since.map { "since \($0)" }, until.map { "until \($0)" }].compactMap { $0 }
            print("no sessions in \(dir)" + (filters.isEmpty ? "" : " (" + filters.joined(separator: ", ") + ")"))
            return
        }
        let header = ["DATE", "CLIENT", "PLAN", "LENGTH", "DOSE", "MARKS", "ALERTS", "DISCHARGE", "SESSION"]
        var table: [[String]] = [header]
        for r in rows {
            let t = r.timeline
            let date = r.date
            let dose = t.dose.map { String(t.localTime($0.time).prefix(5)) + " (+" + SessionClock.length($0.sessionSeconds) + ")" } ?? "—"
            let discharge = r.discharge.map { String(t.localTime($0.time).prefix(5)) + " (" + $0.clock + ")" } ?? (t.endTime == nil ? "open" : "—")
            var id = r.id
            if r.warnings > 0 { id += "  (\(r.warnings) warning\(r.warnings == 1 ? "" : "s"): see review)" }
            else if t.endTime == nil { id += "  (no end recorded)" }
            table.append([date, t.client ?? "—", t.plan ?? "?", SessionClock.length(t.duration), dose,
                          "\(t.marks.filter { $0.category == .mark }.count)", "\(r.alerts)", discharge, id])
        }
        let widths = header.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
        for row in table {
            print(row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}
