import ArgumentParser
import Foundation
import InwardCore
import InwardLog
import InwardReview

/// `inward sessions`: past sessions from the state folder's logs.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List past sessions: date, client code, plan, length, dose time, marks.",
        discussion: "Reads STATE/sessions/*.jsonl. Review one with `inward review SESSION`, check it with `inward verify SESSION`."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The daemon's state folder (default: INWARD_STATE_DIR, /var/lib/inward/ROOM with --room, /var/lib/inward as root, else $XDG_STATE_HOME/inward).")
    var stateDir: String?

    struct Row {
        var id: String
        var timeline: ReviewTimeline
        var warnings: Int
    }

    func run() throws {
        let dir = SessionLogs.sessionsDir(stateDir, room: global.room)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jsonl") }
        } catch {
            if global.json { Output.json([Any]()) } else { print("no sessions yet (\(dir) does not exist or cannot be read); "
                + "name the room with --room ROOM (or INWARD_ROOM), or give --state-dir") }
            return
        }
        var rows: [Row] = []
        for name in names {
            guard let contents = try? LogReader.read(contentsOf: dir + "/" + name) else { continue }
            let t = ReviewTimeline(contents)
            rows.append(Row(id: String(name.dropLast(6)), timeline: t, warnings: contents.warnings.count))
        }
        rows.sort { ($0.timeline.startTime ?? "", $0.id) < ($1.timeline.startTime ?? "", $1.id) }

        if global.json {
            Output.json(rows.map { r -> [String: Any] in
                let t = r.timeline
                var o: [String: Any] = ["session_id": r.id, "length_seconds": t.duration,
                                        "marks": t.marks.filter { $0.category == .mark }.count, "warnings": r.warnings]
                if let v = t.startTime { o["start_time"] = v }
                if let v = t.client { o["client"] = v }
                if let v = t.plan { o["plan"] = v }
                if let d = t.dose { o["dose_time"] = d.time; o["dose_session_seconds"] = d.sessionSeconds }
                if let v = t.endReason { o["end_reason"] = v }
                return o
            })
            return
        }
        if rows.isEmpty {
            print("no sessions in \(dir)")
            return
        }
        let header = ["DATE", "CLIENT", "PLAN", "LENGTH", "DOSE", "MARKS", "SESSION"]
        var table: [[String]] = [header]
        for r in rows {
            let t = r.timeline
            let date = t.startTime.map { String($0.prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? "?"
            let dose = t.dose.map { String($0.time.dropFirst(11).prefix(5)) + " (+" + SessionClock.length($0.sessionSeconds) + ")" } ?? "—"
            var id = r.id
            if r.warnings > 0 { id += "  (\(r.warnings) warning\(r.warnings == 1 ? "" : "s"): see review)" }
            else if t.endTime == nil { id += "  (no end recorded)" }
            table.append([date, t.client ?? "—", t.plan ?? "?", SessionClock.length(t.duration), dose,
                          "\(t.marks.filter { $0.category == .mark }.count)", id])
        }
        let widths = header.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
        for row in table {
            print(row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}
