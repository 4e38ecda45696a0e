public import InwardProtocol
public import Logging

/// Where every session event goes. The durable timeline log implements it;
/// until then events go to the logger.
public protocol EventSink: Sendable {
    /// Records one event (already numbered and timed). Returns once it is
    /// as durable as this sink makes it.
    func record(_ event: JSONObject) throws
}

/// Events as structured log lines.
public struct LoggerEventSink: EventSink {
    public let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func record(_ event: JSONObject) throws {
        var metadata: Logger.Metadata = [:]
        for member in event where member.key != "kind" {
            metadata[member.key] = .string(member.value.jsonString)
        }
        logger.info("\(event["kind"]?.stringValue ?? "event")", metadata: metadata)
    }
}
