import Foundation
@testable import InwardDaemon
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's log lines as journal entries: field building and the
/// JOURNAL_STREAM check (the entries read back from a real journald under a
/// real systemd are checked in InwardSystemTests/JournalLoggingTests).
@Suite("journald log handler")
struct JournalLogHandlerTests {
    @Test("swift-log levels map to syslog priorities")
    func priorities() {
        let expected: [(Logger.Level, Int)] = [(.trace, 7), (.debug, 7), (.info, 6), (.notice, 5),
                                               (.warning, 4), (.error, 3), (.critical, 2)]
        for (level, priority) in expected {
            #expect(JournalLogHandler.priority(level) == priority, "\(level)")
        }
    }

    @Test("an entry: message, priority, code location, identifier, room, metadata as fields")
    func fields() {
        let f = JournalLogHandler.fields(level: .warning, message: "client refused", metadata: ["session.id": "S-1", "max_clients": "16"],
                                         file: "InwardDaemon/ControlServer.swift", function: "accept()", line: 269, room: "room1")
        let byName = Dictionary(f.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(f.count == byName.count, "a field is sent twice: \(f)")
        #expect(byName == ["MESSAGE": "client refused", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "inwardd",
                           "CODE_FILE": "InwardDaemon/ControlServer.swift", "CODE_LINE": "269", "CODE_FUNC": "accept()",
                           "INWARD_ROOM": "room1", "SESSION_ID": "S-1", "MAX_CLIENTS": "16"])
        let noRoom = JournalLogHandler.fields(level: .info, message: "m", metadata: [:], file: "f", function: "g", line: 1, room: nil)
        #expect(!noRoom.contains { $0.key == "INWARD_ROOM" })
    }

    @Test("metadata keys become valid journal field names that never overwrite the handler's or the mirror's")
    func fieldNames() {
        #expect(JournalLogHandler.fieldName("session.id") == "SESSION_ID")
        #expect(JournalLogHandler.fieldName("interval_seconds") == "INTERVAL_SECONDS")
        #expect(JournalLogHandler.fieldName("_PID") == "PID")
        #expect(JournalLogHandler.fieldName("__x-y z") == "X_Y_Z")
        #expect(JournalLogHandler.fieldName("1st") == "META_1ST")
        #expect(JournalLogHandler.fieldName("") == "META_")
        #expect(JournalLogHandler.fieldName("message") == "META_MESSAGE")
        #expect(JournalLogHandler.fieldName("priority") == "META_PRIORITY")
        #expect(JournalLogHandler.fieldName("inward.seq") == "META_INWARD_SEQ")
        #expect(JournalLogHandler.fieldName("grüße") == "GR_SSE")   // ß upper-cases to SS
        #expect(JournalLogHandler.fieldName(String(repeating: "a", count: 100)).count == 64)
        for key in ["session.id", "_x", "9", "message", "inward.hash", "ä.ö", String(repeating: "k", count: 80)] {
            let name = JournalLogHandler.fieldName(key)
            #expect(!name.isEmpty && name.count <= 64 && !name.hasPrefix("_") && !name.first!.isNumber, "\(key) -> \(name)")
            #expect(name.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }, "\(key) -> \(name)")
        }
    }

    @Test("the journal is used only when stderr is the stream JOURNAL_STREAM names")
    func journalStream() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-stream-\(getpid())").path
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { close(fd); unlink(path) }
        var info = stat()
        try #require(fstat(fd, &info) == 0)
        let mine = "\(info.st_dev):\(info.st_ino)"
        #expect(JournalLogHandler.isJournalStream(environment: ["JOURNAL_STREAM": mine], fd: fd))
        #expect(!JournalLogHandler.isJournalStream(environment: [:], fd: fd))
        #expect(!JournalLogHandler.isJournalStream(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"], fd: fd))
        #expect(!JournalLogHandler.isJournalStream(environment: ["JOURNAL_STREAM": "garbage"], fd: fd))
        #expect(!JournalLogHandler.isJournalStream(environment: ["JOURNAL_STREAM": mine], fd: -1))
    }

    @Test("metadata merges handler, provider and call, the call's winning")
    func metadataMerge() {
        var handler = JournalLogHandler(room: "r", metadataProvider: .init { ["from": "provider", "p": "1"] })
        handler[metadataKey: "from"] = "handler"
        handler[metadataKey: "h"] = "2"
        #expect(handler.logLevel == .info)
        let entry = handler.entry(level: .error, message: "m", metadata: ["c": "3"], file: "f", function: "g", line: 7)
        let byName = Dictionary(entry.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["FROM"] == "provider" && byName["P"] == "1" && byName["H"] == "2" && byName["C"] == "3", "\(byName)")
        let overridden = handler.entry(level: .error, message: "m", metadata: ["from": "call"], file: "f", function: "g", line: 7)
        #expect(overridden.first { $0.key == "FROM" }?.value == "call")
    }
}
