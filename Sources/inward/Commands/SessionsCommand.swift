import ArgumentParser
import Foundation
import InwardLog
import InwardReview

/// Where session logs live and how a SESSION|FILE argument finds one.
enum SessionLogs {
    /// `--state-dir`, else `INWARD_STATE_DIR`, else room `--room`/`INWARD_ROOM`'s
    /// `/var/lib/inward/ROOM`, else `/var/lib/inward` as root, else
    /// `$XDG_STATE_HOME/inward` or `~/.local/state/inward` (DESIGN.md).
    static func stateDir(_ option: String?, room: String?) -> String {
        if let option, !option.isEmpty { return option }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["INWARD_STATE_DIR"], !dir.isEmpty { return dir }
        if let room = Room.chosen(room, environment: env) { return Room.stateDirectory(room) }
        let standard: String
        if geteuid() == 0 {
            standard = "/var/lib/inward"
        } else if let xdg = env["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            standard = xdg + "/inward"
        } else {
            standard = (env["HOME"] ?? NSHomeDirectory()) + "/.local/state/inward"
        }
        // As for the socket: with no sessions in the usual place and one room's
        // daemon running, that room's.
        let rooms = Room.running()
        if !FileManager.default.fileExists(atPath: standard + "/sessions"), rooms.count == 1 {
            return Room.stateDirectory(rooms[0])
        }
        return standard
    }

    static func sessionsDir(_ option: String?, room: String?) -> String { stateDir(option, room: room) + "/sessions" }

    /// A path to an existing file, or the log of session id `argument` in the state folder.
    static func resolve(_ argument: String, stateDir option: String?, room: String?) throws -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDir), !isDir.boolValue { return argument }
        let dir = sessionsDir(option, room: room)
        let candidate = dir + "/" + argument + (argument.hasSuffix(".jsonl") ? "" : ".jsonl")
        if !argument.contains("/"), FileManager.default.fileExists(atPath: candidate) { return candidate }
        Terminal.errLine("inward: '\(argument)' is neither a log file nor a session in \(dir) (`inward sessions` lists them)")
        throw ExitCode(2)
    }

    static func read(_ path: String) throws -> LogContents {
        do {
            return try LogReader.read(contentsOf: path)
        } catch {
            Terminal.errLine("inward: \(error)")
            throw ExitCode(2)
        }
    }
}

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
            if global.json { printJSON([Any]()) } else { print("no sessions yet (\(dir) does not exist or cannot be read); "
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
            printJSON(rows.map { r -> [String: Any] in
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
            let dose = t.dose.map { String($0.time.dropFirst(11).prefix(5)) + " (+" + Clock.length($0.sessionSeconds) + ")" } ?? "—"
            var id = r.id
            if r.warnings > 0 { id += "  (\(r.warnings) warning\(r.warnings == 1 ? "" : "s"): see review)" }
            else if t.endTime == nil { id += "  (no end recorded)" }
            table.append([date, t.client ?? "—", t.plan ?? "?", Clock.length(t.duration), dose,
                          "\(t.marks.filter { $0.category == .mark }.count)", id])
        }
        let widths = header.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
        for row in table {
            print(row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}
