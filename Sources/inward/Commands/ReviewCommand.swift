import ArgumentParser
import Foundation
import InwardLog
import InwardPOSIX
import InwardReview

/// `inward review SESSION|FILE`: the session's timeline for integration.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Show a past session's timeline: text, HTML (with an SVG timeline), CSV or JSON.",
        discussion: """
            Times are on the T+ clock (from the dose, T0). A torn last line (a write cut short \
            by a crash) and unreadable lines are reported on standard error; every complete \
            event is shown. The report shows the client code only. Written files get mode 0640.
            """
    )

    @Argument(help: "A session id (from `inward sessions`) or a log file.")
    var session: String

    @Option(name: .long, help: "text, html, csv or json.")
    var format: String = "text"

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
    }

    func run() throws {
        let format = global.json ? .json : ReportFormat(rawValue: format) ?? .text
        let path = try SessionLogs.resolve(session, stateDir: stateDir, room: global.room)
        let contents = try SessionLogs.read(path)
        for w in contents.warnings { Terminal.errLine("inward: \(path): \(w)") }
        let report = ReviewTimeline(contents).report(format)
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
