public import InwardProtocol

/// Where every session event goes: the durable timeline log and the journal
/// mirror (EventRecorder). Never a log line: the daemon's log lines carry no
/// event fields (docs/daemon.md, "The journal").
public protocol EventSink: Sendable {
    /// Records one event of session `session` (already numbered and timed:
    /// `seq`, `kind`, `time`, `session_seconds`, `t0_seconds`, `phase`,
    /// `fields`). The first event of a session is `session.start`, the last
    /// `session.end`. Returns once the event is as durable as this sink makes
    /// it: the daemon acknowledges a control only after this returns.
    func record(_ event: JSONObject, session: String) throws
}
