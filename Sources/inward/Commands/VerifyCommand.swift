import ArgumentParser
import Foundation
import InwardLog

/// `inward verify SESSION|FILE`: checks the log's hash chain.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a session log's hash chain; name the first line that breaks it.",
        discussion: """
            Prints OK with the number of lines, or the first line whose content cannot be \
            trusted and why (changed content, missing lines, reordered, torn, not a log line), \
            and exits 1. A changed line is named itself, not the line after it. A torn last \
            line (a write cut short by a crash, never acknowledged) is reported but does not \
            fail the check when every complete line chains. The last line has no successor to \
            vouch for it: pass the head hash printed by an earlier verify (or recorded \
            elsewhere) with --head to cover it. Exit 2: the log cannot be read.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A session id (from `inward sessions`) or a log file.")
    var session: String

    @Option(name: .long, help: "The expected SHA-256 of the last line (the head), recorded earlier.")
    var head: String?

    @Option(name: .long, help: "The daemon's state folder (for a session id).")
    var stateDir: String?

    func run() throws {
        let path = try SessionLogs.resolve(session, stateDir: stateDir, room: global.room)
        let bytes: [UInt8]
        do { bytes = try LogReader.bytes(contentsOf: path) } catch {
            Terminal.errLine("inward: \(error)")
            throw ExitCode(2)
        }
        let report = LogChain.verify(bytes, expectedHead: head)
        if global.json {
            var o: [String: Any] = ["ok": report.ok, "file": path, "verified_lines": report.verifiedLines]
            if let v = report.firstSeq { o["first_seq"] = v }
            if let v = report.lastSeq { o["last_seq"] = v }
            if let v = report.head { o["head"] = v }
            if let t = report.torn { o["torn"] = ["line": t.lineNumber, "bytes": t.byteCount, "kept": t.kept, "message": t.description] }
            if let f = report.failure { o["failure"] = ["line": f.lineNumber, "reason": f.reason.rawValue, "message": f.description] }
            printJSON(o)
        } else {
            if let f = report.failure {
                print("FAILED: \(path): \(f)")
                print(report.verifiedLines > 0 ? "lines 1–\(report.verifiedLines) chain correctly; from line \(f.lineNumber) on the log cannot be trusted"
                                               : "no line of the log can be trusted")
            } else {
                let seqs = report.firstSeq.map { " (seq \($0)–\(report.lastSeq ?? $0))" } ?? ""
                print("OK: \(report.verifiedLines) line\(report.verifiedLines == 1 ? "" : "s")\(seqs), chain intact")
                if let h = report.head { print("head: \(h)") }
            }
            if let t = report.torn { Terminal.errLine("warning: \(t)") }
        }
        if !report.ok { throw ExitCode(1) }
    }
}
