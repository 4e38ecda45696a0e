@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import Testing

@Suite("LogChain")
struct LogChainTests {
    let lines = SyntheticSession.lines()
    var bytes: [UInt8] { SyntheticSession.bytes(lines) }

    /// Byte offsets worth changing in a line: inside `prev`, a digit of `seq`,
    /// the kind, the time, and inside `fields` (its text when there is one).
    func targets(_ line: [UInt8]) -> [(String, Int)] {
        let text = String(decoding: line, as: UTF8.self)
        func offset(of needle: String, plus: Int = 0) -> Int? {
            guard let r = text.range(of: needle) else { return nil }
            return text.utf8.distance(from: text.startIndex, to: r.upperBound) + plus
        }
        var out: [(String, Int)] = []
        if let o = offset(of: "\"prev\":\"", plus: 30) { out.append(("prev", o)) }
        if let o = offset(of: "\"seq\":") { out.append(("seq", o)) }
        if let o = offset(of: "\"kind\":\"", plus: 1) { out.append(("kind", o)) }
        if let o = offset(of: "\"time\":\"", plus: 15) { out.append(("time", o)) }
        if let o = offset(of: "\"session_seconds\":") { out.append(("session_seconds", o)) }
        if let o = offset(of: "\"fields\":{\"", plus: 1) { out.append(("a field's name", o)) }
        if let o = offset(of: "\"text\":\"", plus: 4) { out.append(("text", o)) }
        if let o = offset(of: "\"file\":\"", plus: 6) { out.append(("file", o)) }
        return out
    }

    @Test func validLogIsOK() {
        let r = LogChain.verify(bytes)
        #expect(r.ok, "\(String(describing: r.failure))")
        #expect(r.verifiedLines == lines.count)
        #expect(r.firstSeq == 1 && r.lastSeq == Int64(lines.count))
        #expect(r.head == lines.last?.hash)
        #expect(r.torn == nil)
    }

    @Test func chainMayStartAtAnySeq() {
        // The daemon numbers events across sessions; a log starts where its session did.
        let r = LogChain.verify(SyntheticSession.bytes(SyntheticSession.lines(firstSeq: 57)))
        #expect(r.ok)
        #expect(r.firstSeq == 57)
    }

    @Test func emptyLogIsOKWithNoLines() {
        let r = LogChain.verify([])
        #expect(r.ok && r.verifiedLines == 0 && r.head == nil)
    }

    @Test func oneChangedByteInAnyLineButTheLastFailsAtThatLine() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        for (index, range) in ranges.enumerated() where index < ranges.count - 1 {
            let line = Array(original[range])
            for (what, offset) in targets(line) {
                var changed = original
                let at = range.lowerBound + offset
                changed[at] = changed[at] == 0x31 ? 0x32 : (changed[at] ^ 0x01)
                let r = LogChain.verify(changed)
                #expect(r.failure?.lineNumber == index + 1, "line \(index + 1), \(what): \(String(describing: r.failure))")
                #expect(!r.ok)
            }
            // Its newline too: two lines run together.
            var joined = original
            joined[range.upperBound] = 0x20
            #expect(LogChain.verify(joined).failure?.lineNumber == index + 1, "line \(index + 1), newline")
        }
    }

    @Test(arguments: [1, 9, 21])
    func everyByteOfALineChangedFailsAtThatLine(lineNumber: Int) {
        let original = bytes
        let range = SyntheticSession.lineRanges(original)[lineNumber - 1]
        for at in range {
            var changed = original
            changed[at] ^= 0x01
            let r = LogChain.verify(changed)
            #expect(r.failure?.lineNumber == lineNumber,
                    "byte \(at - range.lowerBound) of line \(lineNumber) (\(UnicodeScalar(original[at]))): \(String(describing: r.failure))")
        }
    }

    @Test func everyByteOfTheLastLineChangedFailsAtItAgainstTheRecordedHead() {
        let original = bytes
        let head = LogChain.verify(original).head
        let range = SyntheticSession.lineRanges(original).last!
        for at in range.lowerBound...range.upperBound {   // its newline too
            var changed = original
            changed[at] ^= 0x01
            let r = LogChain.verify(changed, expectedHead: head)
            #expect(r.failure?.lineNumber == lines.count, "byte \(at - range.lowerBound): \(String(describing: r.failure))")
        }
    }

    @Test func reasonsNameWhatHappened() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        func verify(_ edit: (inout [UInt8]) -> Void) -> LogChain.Break? {
            var b = original
            edit(&b)
            return LogChain.verify(b).failure
        }
        // Text of line 11 (the first statement) changed: named at line 11 as changed content.
        let text = verify { b in
            let r = ranges[10]
            let s = String(decoding: b[r], as: UTF8.self).replacingOccurrences(of: "warm sand", with: "warm band")
            b.replaceSubrange(r, with: Array(s.utf8))
        }
        #expect(text?.lineNumber == 11 && text?.reason == .changedContent)
        // A hex digit of line 7's prev: named at line 7, prev edited.
        let prev = verify { b in
            let r = ranges[6]
            let at = r.upperBound - 10
            b[at] = b[at] == 0x61 ? 0x62 : 0x61
        }
        #expect(prev?.lineNumber == 7 && prev?.reason == .prevAltered)
        // Spacing added: not canonical.
        let spaced = verify { b in b.insert(0x20, at: ranges[4].lowerBound + 1) }
        #expect(spaced?.lineNumber == 5 && spaced?.reason == .notCanonical)
        // Not JSON at all.
        let garbage = verify { b in b.replaceSubrange(ranges[14], with: Array("{\"oops\":".utf8) + [0x7D]) }
        #expect(garbage?.lineNumber == 15 && garbage?.reason == .unparsable)
    }

    @Test func deletingALineFailsAtTheNext() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        for k in [0, 1, 9, ranges.count - 2] {
            var b = original
            b.removeSubrange(ranges[k].lowerBound...ranges[k].upperBound)
            let f = LogChain.verify(b).failure
            #expect(f?.lineNumber == k + 1, "deleted line \(k + 1): \(String(describing: f))")
            #expect(f?.reason == .missingLines, "deleted line \(k + 1): \(String(describing: f))")
        }
        // Deleting several in a row says how many.
        var b = original
        b.removeSubrange(ranges[10].lowerBound...ranges[12].upperBound)
        let f = LogChain.verify(b).failure
        #expect(f?.lineNumber == 11 && f?.detail.contains("3 lines missing") == true, "\(String(describing: f))")
    }

    @Test func swappingTwoLinesFailsAtTheFirstAsReordered() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        var b = Array(original[..<ranges[14].lowerBound])
        b += original[ranges[15]] + [0x0A] + original[ranges[14]] + [0x0A]
        b += original[(ranges[15].upperBound + 1)...]
        #expect(b.count == original.count)
        let f = LogChain.verify(b).failure
        #expect(f?.lineNumber == 15 && f?.reason == .reordered, "\(String(describing: f))")
    }

    @Test func duplicatedLineFailsAtTheCopy() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        var b = original
        b.insert(contentsOf: original[ranges[5]] + [0x0A], at: ranges[6].lowerBound)
        let f = LogChain.verify(b).failure
        #expect(f?.lineNumber == 7 && f?.reason == .reordered, "\(String(describing: f))")
    }

    @Test func truncatingMidLineKeepsEveryCompleteLineAndReportsTheTear() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        for k in [0, 17, ranges.count - 1] {
            let cut = ranges[k].lowerBound + ranges[k].count / 2
            let r = LogChain.verify(Array(original[..<cut]))
            #expect(r.ok, "cut in line \(k + 1): \(String(describing: r.failure))")
            #expect(r.verifiedLines == k)
            #expect(r.torn?.lineNumber == k + 1 && r.torn?.kept == false)
            #expect(r.head == (k == 0 ? nil : lines[k - 1].hash))
        }
        // Only the final newline missing: the line is whole and verified.
        let r = LogChain.verify(Array(original.dropLast()))
        #expect(r.ok && r.verifiedLines == lines.count && r.torn?.kept == true)
    }

    @Test func changingTheLastNewlineIsNotTakenForATear() {
        var b = bytes
        b[b.count - 1] = 0x78
        let f = LogChain.verify(b).failure
        #expect(f?.lineNumber == lines.count && f?.reason == .trailingBytes, "\(String(describing: f))")
    }

    @Test func unfinishedLineInTheMiddleIsATearThatBreaks() {
        let original = bytes
        let ranges = SyntheticSession.lineRanges(original)
        var b = original
        b.removeSubrange((ranges[8].lowerBound + 40)..<ranges[8].upperBound)
        let f = LogChain.verify(b).failure
        #expect(f?.lineNumber == 9 && f?.reason == .torn, "\(String(describing: f))")
    }

    @Test func theLastLineIsVouchedForByTheRecordedHead() {
        let original = bytes
        let head = LogChain.verify(original).head!
        #expect(LogChain.verify(original, expectedHead: head).ok)
        let last = SyntheticSession.lineRanges(original).last!
        // A well-formed edit of the last line: nothing after it to vouch for it...
        var b = original
        let s = String(decoding: b[last], as: UTF8.self).replacingOccurrences(of: "stopped", with: "stoppee")
        b.replaceSubrange(last, with: Array(s.utf8))
        #expect(LogChain.verify(b).ok)
        // ...but the recorded head catches it, at that line.
        let f = LogChain.verify(b, expectedHead: head).failure
        #expect(f?.lineNumber == lines.count && f?.reason == .headMismatch)
        // And lines appended after the recorded head are named.
        let shorter = SyntheticSession.bytes(Array(lines.dropLast(2)))
        let shortHead = LogChain.verify(shorter).head!
        let g = LogChain.verify(original, expectedHead: shortHead).failure
        #expect(g?.lineNumber == lines.count - 1 && g?.reason == .headMismatch)
    }

    @Test func firstLineMustStartTheChain() {
        var b = bytes
        let r0 = SyntheticSession.lineRanges(b)[0]
        b.removeSubrange(r0.lowerBound...r0.upperBound)
        let f = LogChain.verify(b).failure
        #expect(f?.lineNumber == 1 && f?.reason == .missingLines)
    }
}
