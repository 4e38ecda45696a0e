import Foundation
@testable import InwardDaemon
import InwardLog
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The session timeline log on a real file system: modes, the hash chain,
/// concurrent writers, reopening, and the errors a full or missing disk gives.
@Suite("timeline log")
struct TimelineLogTests {
    /// A fresh sessions folder (0750, as the daemon makes it).
    static func folder() -> String {
        var template = Array((NSTemporaryDirectory() + "/inward-log-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        chmod(path, 0o750)
        return path
    }

    static func event(_ seq: Int64, _ kind: String = "mark.note", fields: JSONObject = ["text": "x"]) -> JSONObject {
        ["seq": .integer(seq), "kind": .string(kind), "time": "2026-11-26T15:37:02.699Z",
         "session_seconds": .number(Double(seq)), "t0_seconds": .null, "phase": "arrival", "fields": .object(fields)]
    }

    static func lines(_ path: String) throws -> (lines: [[UInt8]], endsWithNewline: Bool) {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let parts = data.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        return (Array(parts.dropLast()), data.last == 10)
    }

    /// Checks the chain; returns the decoded lines.
    @discardableResult
    static func checkChain(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [LogLine] {
        let (raw, whole) = try lines(path)
        #expect(whole, "the file does not end with a newline", sourceLocation: sourceLocation)
        var prev = LogLine.genesis
        var decoded: [LogLine] = []
        for (i, bytes) in raw.enumerated() {
            let line = try LogLine.decode(bytes)
            #expect(line.prev == prev, "line \(i + 1) does not chain to line \(i)", sourceLocation: sourceLocation)
            #expect(line.bytes == bytes, "line \(i + 1) is not in canonical form", sourceLocation: sourceLocation)
            prev = SHA256.hex(bytes)
            decoded.append(line)
        }
        return decoded
    }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        #expect(stat(path, &st) == 0)
        return st.st_mode & 0o7777
    }

    @Test("the file is created on the first event with mode 0640 whatever the umask, in order, chained from genesis")
    func modesAndChain() throws {
        let dir = Self.folder()
        let log = TimelineLog(directory: dir)
        let old = umask(0o002)   // would leave 0664 on a plain open
        defer { umask(old) }
        #expect(!FileManager.default.fileExists(atPath: log.path(of: "s1")))
        try log.record(Self.event(1, "session.start", fields: ["plan": "im"]), session: "s1")
        #expect(mode(log.path(of: "s1")) == 0o640)
        #expect(mode(dir) == 0o750)
        for seq in Int64(2)...20 {
            try log.record(Self.event(seq, "mark.vitals", fields: ["systolic": .integer(120 + seq), "diastolic": 80]), session: "s1")
        }
        try log.record(Self.event(21, "session.end"), session: "s1")
        let decoded = try Self.checkChain(log.path(of: "s1"))
        #expect(decoded.map(\.seq) == Array(1...21))
        #expect(decoded.first?.prev == LogLine.genesis)
        #expect(decoded.first?.kind == "session.start")
        #expect(decoded[4].fields["systolic"]?.int64Value == 125)
        #expect(decoded.last?.kind == "session.end")
    }

    @Test("changing a byte breaks the chain at the next line (the check above can fail)")
    func tamperIsSeen() throws {
        let dir = Self.folder()
        let log = TimelineLog(directory: dir)
        for seq in Int64(1)...3 { try log.record(Self.event(seq), session: "s") }
        let (raw, _) = try Self.lines(log.path(of: "s"))
        var changed = raw[0]
        changed[changed.firstIndex(of: UInt8(ascii: "x"))!] = UInt8(ascii: "y")
        #expect(SHA256.hex(changed) != (try LogLine.decode(raw[1])).prev)
    }

    @Test("many threads recording at once: every event once, whole lines, one valid chain; group commit shares fdatasyncs")
    func concurrentWriters() throws {
        for group in [true, false] {
            let dir = Self.folder()
            let log = TimelineLog(directory: dir, groupCommit: group)
            let threads = 8, each = 100
            let next = Atomic<Int64>(0)
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for t in 0..<threads {
                done.enter()
                Thread {
                    for i in 0..<each {
                        let seq = next.add(1, ordering: .relaxed).newValue
                        // Text long enough that a torn or interleaved write would show.
                        let text = String(repeating: "t\(t)i\(i)-", count: 40)
                        do { try log.record(Self.event(seq, fields: ["text": .string(text)]), session: "many") } catch {
                            failures.withLock { $0.append("\(error)") }
                        }
                    }
                    done.leave()
                }.start()
            }
            done.wait()
            #expect(failures.withLock { $0 }.isEmpty)
            let decoded = try Self.checkChain(log.path(of: "many"))
            #expect(decoded.count == threads * each)
            #expect(Set(decoded.map(\.seq)) == Set(Int64(1)...Int64(threads * each)))
            for line in decoded {
                let text = line.fields["text"]?.stringValue ?? ""
                #expect(text.count >= 40 && text == String(repeating: String(text.prefix(text.count / 40)), count: 40))
            }
        }
    }

    @Test("a log that exists is continued, never truncated; a torn last line stays a line of its own")
    func reopen() throws {
        let dir = Self.folder()
        let first = TimelineLog(directory: dir)
        for seq in Int64(1)...3 { try first.record(Self.event(seq), session: "again") }
        try first.record(Self.event(4, "session.end"), session: "again")
        let path = first.path(of: "again")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // A restarted daemon: new TimelineLog, same id.
        let second = TimelineLog(directory: dir)
        try second.record(Self.event(5), session: "again")
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(after.prefix(before.count) == before)
        #expect(try Self.checkChain(path).map(\.seq) == [1, 2, 3, 4, 5])

        // Tear the last line as a crash mid-write would, then append again.
        let fd = open(path, O_WRONLY | O_APPEND)
        _ = "{\"seq\":6,\"ti".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let third = TimelineLog(directory: dir)
        try third.record(Self.event(7), session: "again")
        let (raw, whole) = try Self.lines(path)
        #expect(whole)
        #expect(raw.count == 7)
        #expect(String(decoding: raw[5], as: UTF8.self) == "{\"seq\":6,\"ti")
        let last = try LogLine.decode(raw[6])
        #expect(last.seq == 7)
        #expect(last.prev == SHA256.hex(raw[4]))   // chained to the last complete line
    }

    @Test("a full disk throws an error naming the file and ENOSPC, and leaves no partial line")
    func diskFull() throws {
        let dir = Self.folder()
        let log = TimelineLog(directory: dir)
        // /dev/full accepts open(O_APPEND) and fails every write with ENOSPC.
        #expect(symlink("/dev/full", log.path(of: "full")) == 0)
        do {
            try log.record(Self.event(1), session: "full")
            Issue.record("a write to /dev/full succeeded")
        } catch let error as LogWriteError {
            #expect(error.path == log.path(of: "full"))
            #expect(error.errno == ENOSPC)
            #expect(error.description.contains(log.path(of: "full")))
            #expect(error.reason.contains("free space"))
        }
    }

    @Test("a missing sessions folder, or a file in its place, throws naming the path")
    func openFails() throws {
        let dir = Self.folder()
        let missing = TimelineLog(directory: dir + "/nope")
        #expect(throws: LogWriteError.self) { try missing.record(Self.event(1), session: "s") }
        let blocked = dir + "/sessions"
        FileManager.default.createFile(atPath: blocked, contents: Data("not a folder".utf8))
        let log = TimelineLog(directory: blocked)
        do {
            try log.record(Self.event(1), session: "s")
            Issue.record("opened a log under a plain file")
        } catch let error as LogWriteError {
            #expect(error.path == blocked + "/s.jsonl")
            #expect(error.errno == ENOTDIR)
        }
        #expect(throws: LogWriteError.self) { try log.record(Self.event(1), session: "../escape") }
    }
}
