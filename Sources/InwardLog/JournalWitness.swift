/// The journal as a second witness of a session log. The daemon mirrors each
/// event to journald with its sequence number and the SHA-256 of its log line
/// (`INWARD_SEQ`, `INWARD_HASH`). The hash chain shows that no line was
/// changed, but nothing comes after the last line to vouch for it, and
/// lines cut off the end leave a shorter chain that is still whole. The
/// journal, kept apart from the log, covers both: every line it witnessed
/// must be in the log, as it was written.
public enum JournalWitness {
    /// One journal entry of the session: its sequence number and line hash.
    public struct Record: Sendable, Equatable {
        public var seq: Int64
        public var hash: String
        public init(seq: Int64, hash: String) {
            self.seq = seq
            self.hash = hash
        }
    }

    /// One disagreement between the journal and the log.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// The journal witnessed a line the log no longer holds.
            case missing
            /// The log's line for that seq is not what the journal witnessed.
            case changed
        }
        public var kind: Kind
        public var seq: Int64
        /// The log's line number, when the log has a line with this seq.
        public var lineNumber: Int?

        public init(kind: Kind, seq: Int64, lineNumber: Int?) {
            self.kind = kind
            self.seq = seq
            self.lineNumber = lineNumber
        }

        public var description: String {
            switch kind {
            case .missing: return "seq \(seq) is missing from the log; the journal witnessed it"
            case .changed: return "line \(lineNumber ?? 0) (seq \(seq)) is not the line the journal witnessed"
            }
        }
    }

    public struct Report: Sendable, Equatable {
        /// Journal records that matched a log line.
        public var witnessed: Int
        /// The highest seq the journal witnessed, nil when it witnessed none.
        public var lastWitnessedSeq: Int64?
        /// The log's last seq.
        public var lastLogSeq: Int64?
        public var findings: [Finding]

        public var ok: Bool { findings.isEmpty }
        /// True when the journal vouches for the log's last line too.
        public var coversHead: Bool { lastWitnessedSeq != nil && lastWitnessedSeq == lastLogSeq && ok }
    }

    /// Checks `records` (in any order, duplicates allowed) against the log's bytes.
    public static func check(log bytes: [UInt8], records: [Record]) -> Report {
        var lines: [Int64: (number: Int, hash: String)] = [:]
        var lastSeq: Int64?
        var number = 0
        for raw in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            guard !raw.isEmpty, let line = try? LogLine.decode(Array(raw)) else { continue }
            lines[line.seq] = (number, SHA256.hex(Array(raw)))
            lastSeq = max(lastSeq ?? line.seq, line.seq)
        }
        var findings: [Finding] = []
        var witnessed = 0
        var seen = Set<Int64>()
        for record in records.sorted(by: { $0.seq < $1.seq }) where seen.insert(record.seq).inserted {
            guard let line = lines[record.seq] else {
                findings.append(Finding(kind: .missing, seq: record.seq, lineNumber: nil))
                continue
            }
            if line.hash == record.hash {
                witnessed += 1
            } else {
                findings.append(Finding(kind: .changed, seq: record.seq, lineNumber: line.number))
            }
        }
        return Report(witnessed: witnessed, lastWitnessedSeq: seen.max(), lastLogSeq: lastSeq, findings: findings)
    }
}
