public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's log lines as native journald entries, for when systemd runs
/// it: `MESSAGE`, `PRIORITY` (from the swift-log level), `CODE_FILE`,
/// `CODE_LINE`, `CODE_FUNC`, `SYSLOG_IDENTIFIER=inwardd`, `INWARD_ROOM` when
/// the daemon plays for a room, and each metadata key as a field of its own
/// (`session.id` -> `SESSION_ID`), so `journalctl -u inwardd@ROOM -p warning`
/// and `journalctl SESSION_ID=...` work without parsing text.
///
/// It writes what it is given and nothing else: session events reach the
/// journal only through `JournalMirror`, and callers never put an event's
/// fields (statements, notes, dose amounts) into a log line's message or
/// metadata.
///
/// Threading: a value type, copied into each `Logger`; `log` runs on the
/// caller's thread and may run on many at once (one datagram to journald per
/// line, no shared state). It can wait briefly when journald is slow, so it
/// must never be called on the audio thread, and is not: the audio thread
/// does not log (Runtime/SessionRuntime.swift).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    /// The treatment room (`inwardd --room`), sent as `INWARD_ROOM`.
    public let room: String?

    public init(room: String?, metadataProvider: Logger.MetadataProvider? = nil) {
        self.room = room
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        let rc = JournalEntry.send(entry(level: level, message: message, metadata: explicit, file: file, function: function, line: line))
        if rc < 0 {
            // journald refused the entry (gone, or its socket full): stderr is
            // the journal's stream, so the line still arrives, as text.
            var text = Array("\(level): \(message)\n".utf8)
            _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        }
    }

    /// The entry `log` sends: the handler's metadata, then the provider's,
    /// then the call's, later ones winning.
    func entry(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
               file: String, function: String, line: UInt) -> [(key: String, value: String)] {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        return Self.fields(level: level, message: message.description, metadata: merged,
                           file: file, function: function, line: line, room: room)
    }

    /// The entry for one log line, in a stable order: the handler's own
    /// fields first, then the metadata sorted by key.
    public static func fields(level: Logger.Level, message: String, metadata: Logger.Metadata,
                              file: String, function: String, line: UInt, room: String?) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority(level))),
            ("SYSLOG_IDENTIFIER", "inwardd"),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        if let room { out.append(("INWARD_ROOM", room)) }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            out.append((fieldName(key), value.description))
        }
        return out
    }

    /// syslog priority of a swift-log level: trace and debug 7, info 6,
    /// notice 5, warning 4, error 3, critical 2.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Fields the handler sets itself. A metadata key that maps onto one of
    /// them, or into `INWARD_*` (the event mirror's fields, which
    /// `inward verify --journal` trusts as the log's witness), gets `META_`
    /// before it instead of overwriting it.
    static let ownFields: Set<String> = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC"]

    /// A journal field name for a metadata key: upper case, every character
    /// but `A-Z0-9_` as `_`, no leading `_` (journald keeps those for its
    /// trusted fields) or digit, at most 64 characters. `session.id` -> `SESSION_ID`.
    public static func fieldName(_ key: String) -> String {
        var name = String(key.uppercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": Character(scalar)
            default: "_"
            }
        })
        while name.hasPrefix("_") { name.removeFirst() }
        if name.isEmpty || name.first!.isNumber || ownFields.contains(name) || name.hasPrefix("INWARD_") {
            name = "META_" + name
        }
        return String(name.prefix(64))
    }

    /// True when stderr is connected to the journal: systemd sets
    /// `$JOURNAL_STREAM` to the `DEVICE:INODE` of the stream it gives the
    /// service, and a process whose `fd` still is that stream may log to the
    /// journal natively (sd_journal_print(3)). A redirected stderr
    /// (`inwardd 2>file` under systemd) no longer matches.
    public static func isJournalStream(environment: [String: String], fd: Int32 = 2) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
