@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("LogReader")
struct LogReaderTests {
    let lines = SyntheticSession.lines()
    var bytes: [UInt8] { SyntheticSession.bytes(lines) }

    @Test func readsEveryEventWithItsLineNumber() {
        let contents = LogReader.read(bytes)
        #expect(contents.events.count == lines.count)
        #expect(contents.problems.isEmpty)
        #expect(contents.torn == nil)
        #expect(contents.lineCount == lines.count)
        for (i, e) in contents.events.enumerated() {
            #expect(e.lineNumber == i + 1)
            #expect(e.line == lines[i])
        }
    }

    @Test func emptyFileHasNoEventsAndNoProblems() {
        let contents = LogReader.read([])
        #expect(contents.events.isEmpty)
        #expect(contents.problems.isEmpty)
        #expect(contents.torn == nil)
        #expect(contents.lineCount == 0)
        #expect(contents.warnings.isEmpty)
    }

    @Test func tornLastLineIsReportedAndEveryCompleteEventKept() {
        let ranges = SyntheticSession.lineRanges(bytes)
        let last = ranges[ranges.count - 1]
        // Cut the last line in the middle, as a crash mid-write would.
        for cut in [last.lowerBound + 1, last.lowerBound + last.count / 2, last.upperBound - 1] {
            let torn = Array(bytes[..<cut])
            let contents = LogReader.read(torn)
            #expect(contents.events.count == lines.count - 1, "cut at \(cut)")
            #expect(contents.events.map(\.line) == Array(lines.dropLast()))
            #expect(contents.problems.isEmpty)
            let tear = try! #require(contents.torn)
            #expect(tear.lineNumber == lines.count)
            #expect(tear.byteCount == cut - last.lowerBound)
            #expect(!tear.kept)
            #expect(contents.warnings.count == 1)
            #expect(contents.warnings[0].contains("line \(lines.count)") && contents.warnings[0].contains("torn"))
        }
    }

    @Test func lastLineMissingOnlyItsNewlineIsKeptAndReported() {
        let contents = LogReader.read(Array(bytes.dropLast()))
        #expect(contents.events.count == lines.count)
        #expect(contents.events.last?.line == lines.last)
        let tear = try! #require(contents.torn)
        #expect(tear.kept)
        #expect(tear.lineNumber == lines.count)
    }

    @Test func zeroFilledTailAfterAPowerCutIsATear() {
        let contents = LogReader.read(bytes + [UInt8](repeating: 0, count: 512))
        #expect(contents.events.count == lines.count)
        #expect(contents.torn?.lineNumber == lines.count + 1)
        #expect(contents.torn?.kept == false)
    }

    @Test func garbageLineMidFileIsReportedWithItsNumberAndTheRestKept() {
        var ranges = SyntheticSession.lineRanges(bytes)
        var damaged = bytes
        // Replace line 12 with garbage and insert an empty line after line 20.
        damaged.replaceSubrange(ranges[11], with: Array("this is not json".utf8))
        ranges = SyntheticSession.lineRanges(damaged)
        damaged.insert(0x0A, at: ranges[19].upperBound + 1)
        let contents = LogReader.read(damaged)
        #expect(contents.problems.map(\.lineNumber) == [12, 21])
        #expect(contents.problems[0].message.contains("not a log line"))
        #expect(contents.problems[1].message == "empty line")
        #expect(contents.events.count == lines.count - 1)
        #expect(!contents.events.contains { $0.line.seq == 12 })
        // Line numbers are the file's: the event after the blank line is on line 22.
        #expect(contents.events.first { $0.line.seq == 21 }?.lineNumber == 22)
        #expect(contents.torn == nil)
    }

    @Test func readsAFileAndReportsAMissingOne() throws {
        let dir = "/tmp/inward-logtests-\(getpid())"
        let path = dir + "/s.jsonl"
        mkdir(dir, 0o700)
        defer { unlink(path); rmdir(dir) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        let data = bytes
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let contents = try LogReader.read(contentsOf: path)
        #expect(contents.events.count == lines.count)
        #expect(throws: LogReadError.self) { try LogReader.read(contentsOf: dir + "/nope.jsonl") }
    }
}
