public import InwardProtocol
public import Logging

/// Where the daemon's events go: the logger and the journal (mirrors, never
/// failing) and the session's timeline log (the record, which may throw).
public struct EventRecorder: StagedEventSink {
    public let log: TimelineLog
    public let journal: JournalMirror
    public let logger: LoggerEventSink

    public init(log: TimelineLog, journal: JournalMirror = JournalMirror(), logger: Logger) {
        self.log = log
        self.journal = journal
        self.logger = LoggerEventSink(logger: logger)
    }

    /// The journal gets each line's hash (`INWARD_HASH`), so it vouches for
    /// the log's last lines, which the chain alone cannot (`inward verify --journal`).
    public func stage(_ event: JSONObject, session: String) throws -> EventCommit {
        try? logger.record(event, session: session)
        let commit = try log.stage(event, session: session)
        journal.send(event, session: session, lineHash: commit.lineHash)
        return commit
    }
}
