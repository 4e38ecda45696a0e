@testable import InwardTestSupport
import InwardLog
import Testing

/// The journal as a second witness: what the chain alone cannot show.
@Suite("JournalWitness")
struct JournalWitnessTests {
    let lines = SyntheticSession.lines()
    var bytes: [UInt8] { SyntheticSession.bytes(lines) }
    /// What the daemon would have mirrored: every line's seq and hash.
    var records: [JournalWitness.Record] { lines.map { JournalWitness.Record(seq: $0.seq, hash: $0.hash) } }

    @Test("a log as written: every record matches and the head is covered")
    func intact() {
        let r = JournalWitness.check(log: bytes, records: records.shuffled() + [records[0]])
        #expect(r.ok && r.coversHead, "\(r.findings)")
        #expect(r.witnessed == lines.count)
    }

    @Test("lines cut off the end: the chain is still whole, the journal names the missing seqs")
    func truncated() {
        let kept = SyntheticSession.bytes(Array(lines.dropLast(2)))
        #expect(LogChain.verify(kept).ok, "the chain alone cannot see a cut at the end")
        let r = JournalWitness.check(log: kept, records: records)
        #expect(!r.ok)
        #expect(r.findings.map(\.seq) == lines.suffix(2).map(\.seq))
        #expect(r.findings.allSatisfy { $0.kind == .missing })
        #expect(r.findings.first?.description.contains("missing from the log") == true)
    }

    @Test("the last line changed: the chain cannot tell, the journal names the line")
    func lastLineChanged() throws {
        var changed = bytes
        let lastStart = try #require(changed.dropLast().lastIndex(of: 10)) + 1
        let text = String(decoding: changed[lastStart...], as: UTF8.self)
        let at = try #require(text.utf8.firstIndex(of: UInt8(ascii: "9")) ?? text.utf8.firstIndex(of: UInt8(ascii: "1")))
        changed[lastStart + text.utf8.distance(from: text.utf8.startIndex, to: at)] ^= 0x01
        let r = JournalWitness.check(log: changed, records: records)
        #expect(r.findings == [JournalWitness.Finding(kind: .changed, seq: lines.last!.seq, lineNumber: lines.count)],
                "\(r.findings)")
    }

    @Test("a journal that saw only the start vouches for that much, not the head")
    func partialJournal() {
        let r = JournalWitness.check(log: bytes, records: Array(records.prefix(3)))
        #expect(r.ok && !r.coversHead)
        #expect(r.lastWitnessedSeq == lines[2].seq)
    }
}
