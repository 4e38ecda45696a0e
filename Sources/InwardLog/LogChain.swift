/// Verifies a session log's hash chain and names the first line that cannot be trusted.
///
/// ## The rule
/// Lines are checked in order; the report names the **first line whose content
/// cannot be trusted**:
///
/// 1. A line that is empty or not a log line breaks at that line (`unparsable`);
///    so does one whose object ends before the line does (`trailingBytes`), and an
///    unfinished line followed by more lines (`torn`).
/// 2. A line whose bytes are not exactly what `LogLine.bytes` writes for its
///    values (spacing, escapes, number forms, key order) breaks at that line
///    (`notCanonical`): the writer only ever writes canonical lines.
/// 3. `prev` must be 64 lowercase hex digits (or `genesis` on line 1). A `prev`
///    that is malformed, or differs from the expected hash in only a few digits
///    (an edit of the field itself, not a different line), breaks at that line
///    (`prevAltered`). Line 1 with another hash there: lines are missing before
///    it (`missingLines`).
/// 4. `seq` must go up by exactly one. When it does not: the next line carrying
///    the expected `seq` means lines were swapped (`reordered`); a `prev` that
///    still matches the line before means the `seq` itself was edited
///    (`changedContent`); otherwise lines are missing before it (`missingLines`)
///    or came back out of order (`reordered`).
/// 5. With `seq` in order, a `prev` that is not the SHA-256 of the line before's
///    bytes means **that earlier line** was changed: the break is named at the
///    earlier line (`changedContent`), since its own checks passed only because
///    its edit kept it well-formed.
///
/// So changing one byte anywhere in a line makes verification fail at that line,
/// with one limit that no chain can lift on its own: the last line has no
/// successor to vouch for it. An edit that keeps it well-formed is found only
/// against a recorded head (`expectedHead`: the hash `verify` prints).
///
/// A torn last line (no newline, and not a whole line) is the expected trace of a
/// crash during a write that was never acknowledged: it is reported, not a break,
/// and every complete line before it is verified. A last line that is whole but
/// lacks only its newline is verified like any other.
public enum LogChain {
    public enum Reason: String, Sendable, Equatable {
        case unparsable, trailingBytes, torn, notCanonical, prevAltered, missingLines, reordered, changedContent, headMismatch

        /// The short phrase for a report.
        public var phrase: String {
            switch self {
            case .unparsable: "not a log line"
            case .trailingBytes: "changed content (bytes after the end of the line)"
            case .torn: "torn line (unfinished) in the middle of the log"
            case .notCanonical: "changed content (not as the writer wrote it)"
            case .prevAltered: "changed content (its prev hash was edited)"
            case .missingLines: "missing line(s) before it"
            case .reordered: "reordered lines"
            case .changedContent: "changed content"
            case .headMismatch: "does not match the recorded head"
            }
        }
    }

    public struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based number of the first line that cannot be trusted.
        public var lineNumber: Int
        public var reason: Reason
        public var detail: String

        public var description: String { "line \(lineNumber): \(reason.phrase): \(detail)" }
    }

    public struct Report: Sendable, Equatable {
        /// Lines verified before the break (all whole lines when intact).
        public var verifiedLines: Int
        public var firstSeq: Int64?
        public var lastSeq: Int64?
        /// SHA-256 of the last verified line: record it elsewhere to vouch for the last line.
        public var head: String?
        public var torn: TornTail?
        public var failure: Break?

        public var ok: Bool { failure == nil }
    }

    public static func verify(_ bytes: [UInt8], expectedHead: String? = nil) -> Report {
        let (ranges, tail) = LogReader.split(bytes)
        var lines = ranges
        var torn: TornTail?
        if let tail {
            let number = ranges.count + 1
            switch objectEnd(bytes, tail) {
            case nil:
                torn = TornTail(lineNumber: number, byteCount: tail.count, kept: false)
            case let end?:
                // Whole (only the newline missing), or whole plus trailing bytes:
                // checked as a line either way, so an edit there is not taken for a tear.
                lines.append(tail)
                if end == tail.upperBound { torn = TornTail(lineNumber: number, byteCount: tail.count, kept: true) }
            }
        }

        var report = Report(verifiedLines: 0, torn: torn)
        var previous: (line: LogLine, hash: String)?
        var decoded: [Int: LogLine] = [:]   // look-ahead cache

        func decode(_ index: Int) -> Result<LogLine, Break> {
            if let d = decoded[index] { return .success(d) }
            let range = lines[index]
            let number = index + 1
            if range.isEmpty { return .failure(Break(lineNumber: number, reason: .unparsable, detail: "empty line")) }
            let raw = Array(bytes[range])
            if raw[0] != 0x7B {
                return .failure(Break(lineNumber: number, reason: .unparsable, detail: "it does not start with {"))
            }
            switch objectEnd(bytes, range) {
            case nil:
                return .failure(Break(lineNumber: number, reason: .torn, detail: "the line is unfinished, and lines follow it"))
            case let end? where end < range.upperBound:
                return .failure(Break(lineNumber: number, reason: .trailingBytes,
                                      detail: "\(range.upperBound - end) byte(s) after the line's closing brace"))
            default: break
            }
            let line: LogLine
            do { line = try LogLine.decode(raw) } catch {
                return .failure(Break(lineNumber: number, reason: .unparsable, detail: "\(error)"))
            }
            if line.bytes != raw {
                return .failure(Break(lineNumber: number, reason: .notCanonical,
                                      detail: "its bytes differ from the canonical form of its own values"))
            }
            decoded[index] = line
            return .success(line)
        }

        for index in lines.indices {
            let number = index + 1
            let line: LogLine
            switch decode(index) {
            case .failure(let b):
                report.failure = b
                return report
            case .success(let l): line = l
            }
            decoded[index] = nil
            let hash = SHA256.hex(bytes[lines[index]])

            if let previous {
                let expected = previous.line.seq &+ 1
                let prevMatches = line.prev == previous.hash
                if line.seq != expected {
                    let nextSeq: Int64? = index + 1 < lines.count ? (try? decode(index + 1).get())?.seq : nil
                    var restored = previous.line
                    restored.seq = line.seq &- 1
                    if !prevMatches && restored.hash == line.prev {
                        // The line before had its seq edited (only possible for the
                        // first line: later ones are checked against their own predecessor).
                        report.failure = Break(lineNumber: number - 1, reason: .changedContent,
                                               detail: "its seq \(previous.line.seq) was \(restored.seq) when line \(number) was written")
                        report.verifiedLines -= 1
                        report.head = nil
                        report.firstSeq = nil
                        report.lastSeq = nil
                    } else if line.seq > expected && nextSeq == expected {
                        report.failure = Break(lineNumber: number, reason: .reordered,
                                               detail: "seq \(line.seq) comes before seq \(expected)")
                    } else if prevMatches {
                        report.failure = Break(lineNumber: number, reason: .changedContent,
                                               detail: "seq \(line.seq) where \(expected) was expected, though its prev matches line \(number - 1)")
                    } else if line.seq > expected {
                        let gap = line.seq - expected
                        report.failure = Break(lineNumber: number, reason: .missingLines,
                                               detail: "seq jumps from \(previous.line.seq) to \(line.seq) (\(gap) line\(gap == 1 ? "" : "s") missing)")
                    } else {
                        report.failure = Break(lineNumber: number, reason: .reordered,
                                               detail: "seq \(line.seq) after seq \(previous.line.seq)")
                    }
                    return report
                }
                if !prevMatches {
                    if !isHash(line.prev) || hexDistance(line.prev, previous.hash) <= 8 {
                        report.failure = Break(lineNumber: number, reason: .prevAltered,
                                               detail: "prev is \(line.prev.prefix(16))…, the hash of line \(number - 1) is \(previous.hash.prefix(16))…")
                    } else {
                        report.failure = Break(lineNumber: number - 1, reason: .changedContent,
                                               detail: "its bytes no longer hash to the prev that line \(number) recorded for it")
                        report.verifiedLines -= 1
                        report.lastSeq = report.verifiedLines > 0 ? previous.line.seq - 1 : nil
                        report.head = nil
                    }
                    return report
                }
            } else {
                if line.prev != LogLine.genesis {
                    if !isHash(line.prev) || hexDistance(line.prev, LogLine.genesis) <= 8 {
                        report.failure = Break(lineNumber: 1, reason: .prevAltered,
                                               detail: "the first line's prev should be genesis (64 zeros), it is \(line.prev.prefix(16))…")
                    } else {
                        report.failure = Break(lineNumber: 1, reason: .missingLines,
                                               detail: "the first line continues a chain (its prev is not genesis): the lines before it are missing")
                    }
                    return report
                }
                report.firstSeq = line.seq
            }
            report.verifiedLines = number
            report.lastSeq = line.seq
            report.head = hash
            previous = (line, hash)
        }

        if let expectedHead, let head = report.head, head != expectedHead.lowercased() {
            let hashes = lines.map { SHA256.hex(bytes[$0]) }
            if let j = hashes.firstIndex(of: expectedHead.lowercased()) {
                report.failure = Break(lineNumber: j + 2, reason: .headMismatch,
                                       detail: "the recorded head is line \(j + 1): line \(j + 2) and after were added")
            } else {
                report.failure = Break(lineNumber: lines.count, reason: .headMismatch,
                                       detail: "the last line's hash is \(head.prefix(16))…, the recorded head \(expectedHead.prefix(16))… (the last line was changed, or lines were removed from the end)")
            }
        }
        return report
    }

    /// The offset just past the top-level JSON value's closing `}`/`]` within
    /// `range`, or nil when the value never closes (an unfinished line) or the
    /// range does not start with `{` (not even the start of a line: a torn tail
    /// may be zeros left by a power cut).
    static func objectEnd(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        guard let first = range.first, bytes[first] == 0x7B else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var i = range.lowerBound
        while i < range.upperBound {
            let c = bytes[i]
            if inString {
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
            } else if c == 0x22 {
                inString = true
            } else if c == 0x7B || c == 0x5B {
                depth += 1
            } else if c == 0x7D || c == 0x5D {
                depth -= 1
                if depth <= 0 { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    static func isHash(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Positions where two strings differ (a length difference counts fully).
    static func hexDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var d = abs(x.count - y.count)
        for i in 0..<min(x.count, y.count) where x[i] != y[i] { d += 1 }
        return d
    }
}
