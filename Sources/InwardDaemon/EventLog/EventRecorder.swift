public import InwardProtocol
public import Logging

/// Where the daemon's events go: the session's timeline log (the record,
/// which may throw) and the journal (a mirror, never failing).
///
/// Events are not written as log lines: under systemd the journal mirror
/// already carries each one (kind, seq, session, phase, line hash), and a
/// second copy through the logger would only double the entries and be a
/// second place where an event's fields could leak. Without a journal (a
/// terminal) the session log and `inward status --follow` show them.
///
/// Threading: called by the session service under its recording lock, from
/// control and runtime threads, never from the audio thread.
public struct EventRecorder: StagedEventSink {
    public let log: TimelineLog
    public let journal: JournalMirror

    public init(log: TimelineLog, journal: JournalMirror = JournalMirror()) {
        self.log = log
        self.journal = journal
    }

    /// The journal gets each line's hash (`INWARD_HASH`), so it vouches for
    /// the log's last lines, which the chain alone cannot (`inward verify --journal`).
    public func stage(_ event: JSONObject, session: String) throws -> EventCommit {
        let commit = try log.stage(event, session: session)
        journal.send(event, session: session, lineHash: commit.lineHash)
        return commit
    }
}
