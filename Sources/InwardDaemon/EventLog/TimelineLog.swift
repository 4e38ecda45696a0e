public import InwardProtocol
import Foundation
import InwardLog

/// A sink that takes an event's place in the log apart from making it durable,
/// so its caller can number events and place them in one order while waiting
/// for the disk outside that order.
public protocol StagedEventSink: EventSink {
    /// Appends `event` (in call order) and returns what waits until it is
    /// durable. Throws when the event could not be appended.
    func stage(_ event: JSONObject, session: String) throws -> EventCommit
}

/// Waits until a staged event is durable; throws when it cannot be.
public struct EventCommit: Sendable {
    private let wait: @Sendable () throws -> Void
    /// SHA-256 of the line as written, when the sink is a hash-chained log.
    public let lineHash: String?

    public init(lineHash: String? = nil, _ wait: @escaping @Sendable () throws -> Void) {
        self.lineHash = lineHash
        self.wait = wait
    }

    /// Already durable (or nothing to wait for).
    public static let done = EventCommit {}

    public func waitUntilDurable() throws { try wait() }
}

extension StagedEventSink {
    public func record(_ event: JSONObject, session: String) throws {
        try stage(event, session: session).waitUntilDurable()
    }
}

/// The session timeline log: `<directory>/<session-id>.jsonl`, one `LogLine`
/// per event, each chained to the one before by its SHA-256.
///
/// A file is created (mode 0640) on its session's first event, appended to
/// with one write(2) per line, and closed after `session.end`. An event is
/// durable once fdatasync has returned after its write. With group commit
/// (the default) threads that record at once share one fdatasync: the first
/// to wait syncs everything written so far while the others wait on a
/// condition variable, then whoever is still not covered leads the next one.
public final class TimelineLog: StagedEventSink, @unchecked Sendable {
    public let directory: String
    public let groupCommit: Bool
    /// Guards `files` and every file's counters; appends happen under it, so
    /// lines never interleave and the chain follows the file's order.
    private let condition = NSCondition()
    private var files: [String: SessionLogFile] = [:]

    /// - Parameter directory: the sessions folder (`STATE/sessions`), which
    ///   must exist.
    /// - Parameter groupCommit: false makes every event fdatasync on its own,
    ///   in turn (the baseline the benchmark compares with).
    public init(directory: String, groupCommit: Bool = true) {
        self.directory = directory
        self.groupCommit = groupCommit
    }

    /// The log file of `session`.
    public func path(of session: String) -> String { directory + "/" + session + ".jsonl" }

    public func stage(_ event: JSONObject, session: String) throws -> EventCommit {
        condition.lock()
        defer { condition.unlock() }
        guard Self.isSafeName(session) else {
            throw LogWriteError(path: path(of: session), operation: "open", reason: "'\(session)' is not a session id")
        }
        let file: SessionLogFile
        if let open = files[session] {
            file = open
        } else {
            file = try SessionLogFile(directory: directory, session: session)
            files[session] = file
        }
        if let failure = file.syncFailure { throw failure }
        let line = LogLine(event: event, prev: file.prev)
        let bytes = line.bytes
        try file.append(bytes + [10])
        let hash = SHA256.hex(bytes)
        file.prev = hash
        file.appended += 1
        let ticket = file.appended
        let ends = line.kind == "session.end"
        if ends { files[session] = nil }   // a later event would reopen it and continue the chain
        if !groupCommit {
            defer { if ends { file.close() } }
            try file.sync()
            file.durable = ticket
            return EventCommit(lineHash: hash) {}
        }
        return EventCommit(lineHash: hash) { [self] in try waitUntilDurable(file, ticket, thenClose: ends) }
    }

    private func waitUntilDurable(_ file: SessionLogFile, _ ticket: UInt64, thenClose: Bool) throws {
        condition.lock()
        defer {
            // Nothing is appended after session.end, so once it is durable (or
            // failed) no other thread needs the descriptor.
            if thenClose { file.close() }
            condition.unlock()
        }
        while file.durable < ticket {
            if let failure = file.syncFailure { throw failure }
            if file.syncing {
                condition.wait()
                continue
            }
            file.syncing = true
            let target = file.appended
            condition.unlock()
            let result = Result { () throws(LogWriteError) in try file.sync() }
            condition.lock()
            file.syncing = false
            switch result {
            case .success: file.durable = max(file.durable, target)
            case .failure(let error): file.syncFailure = error
            }
            condition.broadcast()
        }
    }

    /// Closes every open log (for shutdown; a session's own end closes its).
    public func closeAll() {
        condition.lock()
        defer { condition.unlock() }
        for file in files.values where !file.syncing { file.close() }
        files.removeAll()
    }

    /// Session ids become file names: no separators, no dot-dot.
    static func isSafeName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }
    }
}
