import ArgumentParser
import Foundation
import InwardLog
import InwardPOSIX
import InwardReview

/// `inward review SESSION|FILE`: the session's timeline for integration.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Show a past session: its timeline, aftercare summary, marks with what was heard, or minute by minute.",
        discussion: """
            --report says what to show: full (everything, the default), summary (the aftercare \
            summary: doses, vitals taken or missing, adverse events, discharge), moments (each \
            mark with what was playing, the level and the minute before it) or minutes (one row \
            per minute for research; statements and notes only with --with-text). --format says \
            how: text, html (with an SVG timeline), csv or json; every report exists in every \
            format (docs/review.md lists the columns). Times are on the T+ clock (from the dose, \
            T0); text and HTML add wall-clock time in the room's zone from the log (or --tz), \
            JSON and CSV keep UTC with the offset. A torn last line (a write cut short by a \
            crash) and unreadable lines are reported on standard error; every complete event is \
            shown. The report shows the client code only. Written files get mode 0640.
            """
    )

    @Argument(help: "A session id (from `inward sessions`) or a log file.")
    var session: String

    @Option(name: .long, help: "What to show: full, summary, moments or minutes.")
    var report: String = "full"

    @Option(name: .long, help: "How: text, html, csv or json.")
    var format: String = "text"

    @Option(name: .long, help: ArgumentHelp(
        "Show wall-clock times in this zone (an IANA name such as Europe/Oslo, UTC, local, or +01:00) instead of the room's zone from the log.",
        valueName: "zone"))
    var tz: String?

    @Flag(name: .long, help: "Minutes report: include statements and notes (free text, health information). Left out by default.")
    var withText = false

    @Option(name: .long, help: "Write the report to this file instead of standard output.")
    var out: String?

    @Option(name: .long, help: "The daemon's state folder (for a session id).")
    var stateDir: String?

    /// --room (whose sessions), and --json, which means --format json.
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard ReportFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be text, html, csv or json, not '\(format)'")
        }
        guard ReportKind(rawValue: report) != nil else {
            throw ValidationError("--report must be full, summary, moments or minutes, not '\(report)'")
        }
        if let tz, TimeZones.zone(named: tz, source: .option) == nil {
            throw ValidationError("--tz '\(tz)' is not a time zone: give an IANA name such as Europe/Oslo, UTC, local, or an offset such as +01:00")
        }
        if withText && report != ReportKind.minutes.rawValue {
            throw ValidationError("--with-text belongs to --report minutes (the other reports show statements and notes already)")
        }
    }

    func run() throws {
        let format = global.json ? .json : ReportFormat(rawValue: format) ?? .text
        let kind = ReportKind(rawValue: report) ?? .full
        let path = try SessionLogs.resolve(session, stateDir: stateDir, room: global.room)
        let contents = try SessionLogs.read(path)
        for w in contents.warnings { Terminal.errLine("inward: \(path): \(w)") }
        var timeline = ReviewTimeline(contents)
        timeline.zone = try TimeZones.choose(tz, for: timeline)
        let report = timeline.report(kind, format, withText: withText)
        guard let out, out != "-" else {
            FileHandle.standardOutput.write(Data(report.utf8))
            return
        }
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            Terminal.errLine("inward: cannot write \(out): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        defer { close(fd) }
        var bytes = Array(report.utf8)
        var offset = 0
        while offset < bytes.count {
            do throws(SystemCallError) {
                offset += try SystemCall.retrying("write") { bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }
            } catch {
                Terminal.errLine("inward: cannot write \(out): \(error.reason)")
                throw ExitCode(1)
            }
        }
    }
}
