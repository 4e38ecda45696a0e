public import InwardProtocol

/// One line of a session log, `STATE/sessions/<session-id>.jsonl`:
///
///     {"seq":1,"time":"2026-11-26T15:37:02.699Z","session_seconds":0.0,"t0_seconds":null,
///      "kind":"session.start","phase":"arrival","fields":{...},"prev":"<sha256>"}
///
/// Keys always in that order. `prev` is the SHA-256 (hex) of the previous
/// line's bytes, without its newline; the first line's is `genesis`. Changing
/// any byte of a line breaks the link to it, which `LogChain` finds.
public struct LogLine: Sendable, Equatable {
    public var seq: Int64
    /// Wall time, RFC 3339, UTC, milliseconds.
    public var time: String
    /// Seconds since the session started, on the sample clock.
    public var sessionSeconds: Double
    /// Seconds since T0 (negative before it), nil before the dose.
    public var t0Seconds: Double?
    public var kind: String
    /// Name of the phase playing when it happened.
    public var phase: String?
    public var fields: JSONObject
    public var prev: String

    /// The format of a log's lines, recorded in its `session.start` as
    /// `log_format` (logs written before it was recorded are format 1 too).
    /// A reader meeting a higher one knows the log was written by a newer inwardd.
    public static let formatVersion = 1

    /// `prev` of a log's first line.
    public static let genesis = String(repeating: "0", count: 64)

    public init(seq: Int64, time: String, sessionSeconds: Double, t0Seconds: Double?, kind: String,
                phase: String?, fields: JSONObject, prev: String) {
        self.seq = seq
        self.time = time
        self.sessionSeconds = sessionSeconds
        self.t0Seconds = t0Seconds
        self.kind = kind
        self.phase = phase
        self.fields = fields
        self.prev = prev
    }

    /// The line's canonical bytes, without the newline.
    public var bytes: [UInt8] {
        let object: JSONObject = [
            "seq": .integer(seq), "time": .string(time), "session_seconds": .number(sessionSeconds),
            "t0_seconds": .optional(t0Seconds), "kind": .string(kind), "phase": .optional(phase),
            "fields": .object(fields), "prev": .string(prev),
        ]
        return JSONValue.object(object).jsonBytes
    }

    /// The hash the next line carries as its `prev`.
    public var hash: String { SHA256.hex(bytes) }

    /// Builds a line from a Monitor-style event object (`seq`, `kind`, `time`,
    /// `session_seconds`, `t0_seconds`, `phase`, `fields`) chained to `prev`.
    public init(event: JSONObject, prev: String) {
        self.init(seq: event["seq"]?.int64Value ?? 0, time: event["time"]?.stringValue ?? "",
                  sessionSeconds: event["session_seconds"]?.doubleValue ?? 0, t0Seconds: event["t0_seconds"]?.doubleValue,
                  kind: event["kind"]?.stringValue ?? "", phase: event["phase"]?.stringValue,
                  fields: event["fields"]?.objectValue ?? [:], prev: prev)
    }

    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case notJSON(String)
        case missing(String)
        case wrongType(String)

        public var description: String {
            switch self {
            case .notJSON(let m): "not a JSON object: \(m)"
            case .missing(let k): "missing key \(k)"
            case .wrongType(let k): "key \(k) has the wrong type"
            }
        }
    }

    /// Parses one line's bytes (without newline).
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> LogLine {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw .notJSON("\(error)") }
        guard let o = value.objectValue else { throw .notJSON("not an object") }
        func need(_ k: String) throws(DecodeError) -> JSONValue {
            guard let v = o[k] else { throw .missing(k) }
            return v
        }
        guard let seq = try need("seq").int64Value else { throw .wrongType("seq") }
        guard let time = try need("time").stringValue else { throw .wrongType("time") }
        guard let s = try need("session_seconds").doubleValue else { throw .wrongType("session_seconds") }
        let t0v = try need("t0_seconds")
        guard t0v.isNull || t0v.doubleValue != nil else { throw .wrongType("t0_seconds") }
        guard let kind = try need("kind").stringValue else { throw .wrongType("kind") }
        let pv = try need("phase")
        guard pv.isNull || pv.stringValue != nil else { throw .wrongType("phase") }
        guard let fields = try need("fields").objectValue else { throw .wrongType("fields") }
        guard let prev = try need("prev").stringValue else { throw .wrongType("prev") }
        return LogLine(seq: seq, time: time, sessionSeconds: s, t0Seconds: t0v.doubleValue, kind: kind,
                       phase: pv.stringValue, fields: fields, prev: prev)
    }
}
