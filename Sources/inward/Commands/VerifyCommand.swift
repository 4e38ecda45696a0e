import ArgumentParser
import Foundation
import InwardLog
import InwardProtocol

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
            elsewhere) with --head to cover it, or --journal: the daemon mirrors every \
            line's seq and hash to journald, and every line the journal witnessed must be \
            in the log as written (this also finds lines cut off the end). Reading the \
            system journal needs root or the systemd-journal group. Exit 2: the log \
            cannot be read.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A session id (from `inward sessions`) or a log file.")
    var session: String

    @Option(name: .long, help: "The expected SHA-256 of the last line (the head), recorded earlier.")
    var head: String?

    @Option(name: .long, help: "The daemon's state folder (for a session id).")
    var stateDir: String?

    @Flag(name: .long, help: "Also check the log against what the daemon mirrored to the system journal.")
    var journal = false

    @Option(name: .customLong("journal-dir"), help: ArgumentHelp(
        "Check against the journal files in this folder instead (implies --journal).", valueName: "dir"))
    var journalDirectory: String?

    func run() throws {
        let path = try SessionLogs.resolve(session, stateDir: stateDir, room: global.room)
        let bytes: [UInt8]
        do { bytes = try LogReader.bytes(contentsOf: path) } catch {
            Terminal.errLine("inward: \(error)")
            throw ExitCode(2)
        }
        let report = LogChain.verify(bytes, expectedHead: head)
        var witness: JournalWitness.Report?
        var journalNote: String?
        if journal || journalDirectory != nil {
            let session = Self.sessionID(bytes) ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            do {
                let records = try JournalReader.records(session: session, directory: journalDirectory)
                if records.isEmpty {
                    journalNote = "the journal holds no entries for session \(session): it may have been rotated or "
                        + "kept in memory only, or this user may not read it (root or the systemd-journal group)"
                } else {
                    witness = JournalWitness.check(log: bytes, records: records)
                }
            } catch {
                Terminal.errLine("inward: \(error)")
                throw ExitCode(2)
            }
        }
        let ok = report.ok && (witness?.ok ?? true)
        if global.json {
            var o: JSONObject = ["ok": .bool(report.ok), "file": .string(path), "verified_lines": .integer(Int64(report.verifiedLines))]
            if let v = report.firstSeq { o["first_seq"] = .integer(v) }
            if let v = report.lastSeq { o["last_seq"] = .integer(v) }
            if let v = report.head { o["head"] = .string(v) }
            if let t = report.torn {
                o["torn"] = ["line": .integer(Int64(t.lineNumber)), "bytes": .integer(Int64(t.byteCount)), "kept": .bool(t.kept),
                             "message": .string(t.description)]
            }
            if let f = report.failure {
                o["failure"] = ["line": .integer(Int64(f.lineNumber)), "reason": .string(f.reason.rawValue), "message": .string(f.description)]
            }
            o["ok"] = .bool(ok)
            if let w = witness {
                var j: JSONObject = ["witnessed": .integer(Int64(w.witnessed)), "covers_head": .bool(w.coversHead),
                                     "findings": .array(w.findings.map { f -> JSONValue in
                                         var d: JSONObject = ["kind": .string(f.kind.rawValue), "seq": .integer(f.seq), "message": .string(f.description)]
                                         if let n = f.lineNumber { d["line"] = .integer(Int64(n)) }
                                         return .object(d)
                                     })]
                if let s = w.lastWitnessedSeq { j["last_witnessed_seq"] = .integer(s) }
                o["journal"] = .object(j)
            } else if let note = journalNote {
                o["journal"] = ["witnessed": 0, "covers_head": false, "findings": [], "message": .string(note)]
            }
            Output.json(.object(o))
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
            if let w = witness {
                if w.ok {
                    print("journal: \(w.witnessed) line\(w.witnessed == 1 ? "" : "s") witnessed"
                        + (w.coversHead ? ", the last one included" : ", up to seq \(w.lastWitnessedSeq ?? 0); later lines only the chain vouches for"))
                } else {
                    print("FAILED: \(path): the log is not what the journal witnessed:")
                    for f in w.findings.prefix(20) { print("  \(f)") }
                    if w.findings.count > 20 { print("  … and \(w.findings.count - 20) more") }
                }
            } else if let note = journalNote {
                Terminal.errLine("warning: \(note)")
            }
            if let t = report.torn { Terminal.errLine("warning: \(t)") }
        }
        if !ok { throw ExitCode(1) }
    }

    /// The session id the log's session.start names.
    static func sessionID(_ bytes: [UInt8]) -> String? {
        guard let first = bytes.split(separator: 10).first, let line = try? LogLine.decode(Array(first)),
              line.kind == "session.start" else { return nil }
        return line.fields["session_id"]?.stringValue
    }
}
