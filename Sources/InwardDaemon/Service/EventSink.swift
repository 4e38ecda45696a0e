public import InwardProtocol
public import Logging

/// Where every session event goes: the durable timeline log, the journal,
/// the logger.
public protocol EventSink: Sendable {
    /// Records one event of session `session` (already numbered and timed:
    /// `seq`, `kind`, `time`, `session_seconds`, `t0_seconds`, `phase`,
    /// `fields`). The first event of a session is `session.start`, the last
    /// `session.end`. Returns once the event is as durable as this sink makes
    /// it: the daemon acknowledges a control only after this returns.
    func record(_ event: JSONObject, session: String) throws
}

/// Events as structured log lines.
public struct LoggerEventSink: EventSink {
    public let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func record(_ event: JSONObject, session: String) throws {
        var metadata: Logger.Metadata = ["session.id": .string(session)]
        for member in event where member.key != "kind" {
            metadata[member.key] = .string(member.value.jsonString)
        }
        logger.info("\(event["kind"]?.stringValue ?? "event")", metadata: metadata)
    }
}
