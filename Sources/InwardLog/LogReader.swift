import Foundation

/// One complete event of a session log and where it stood in the file.
public struct LogEvent: Sendable, Equatable {
    /// 1-based line number in the file.
    public var lineNumber: Int
    public var line: LogLine

    public init(lineNumber: Int, line: LogLine) {
        self.lineNumber = lineNumber
        self.line = line
    }
}

/// A line the reader could not use.
public struct LogProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the file.
    public var lineNumber: Int
    public var message: String

    public var description: String { "line \(lineNumber): \(message)" }
}

/// The end of a file that is not a complete line: the last write was cut short
/// (a crash or power cut while appending). The daemon acknowledges an event only
/// once its whole line is on disk, so a torn tail was never acknowledged.
public struct TornTail: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number the fragment starts on.
    public var lineNumber: Int
    /// Bytes after the last newline.
    public var byteCount: Int
    /// True when the fragment still parses as a whole log line (only its
    /// newline is missing): it is kept as an event.
    public var kept: Bool

    public var description: String {
        kept
            ? "line \(lineNumber): the last line has no newline (the write may have been cut short); its event is kept"
            : "line \(lineNumber): torn last line (\(byteCount) byte\(byteCount == 1 ? "" : "s") without a newline, not a whole event), ignored; every complete event before it is kept"
    }
}

/// What a session log holds: every complete event, and what could not be read.
public struct LogContents: Sendable {
    public var events: [LogEvent]
    /// Lines that are not log lines (garbage, blank), skipped.
    public var problems: [LogProblem]
    /// The torn last line, if the file does not end with a newline.
    public var torn: TornTail?
    /// Lines in the file, a torn tail included.
    public var lineCount: Int

    /// Problems and the tear, as one list of warnings in line order.
    public var warnings: [String] {
        problems.map(\.description) + (torn.map { [$0.description] } ?? [])
    }
}

public struct LogReadError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Reads a session log (`STATE/sessions/<id>.jsonl`) into events.
///
/// Tolerant: a line that is not a log line is reported with its number and
/// skipped; a last line without a newline is kept when it parses whole and
/// reported as torn either way. Order and chain are not checked here (that is
/// `LogChain`), so a reviewer still sees everything a damaged log holds.
public enum LogReader {
    /// A file's lines: byte ranges of newline-terminated lines (newline
    /// excluded), and the range after the last newline when it is not empty.
    public static func split(_ bytes: [UInt8]) -> (lines: [Range<Int>], tail: Range<Int>?) {
        var lines: [Range<Int>] = []
        lines.reserveCapacity(bytes.count / 160 + 1)
        var start = 0
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            let n = p.count
            while i < n {
                if p[i] == 0x0A {
                    lines.append(start..<i)
                    start = i + 1
                }
                i += 1
            }
        }
        return (lines, start < bytes.count ? start..<bytes.count : nil)
    }

    public static func read(_ bytes: [UInt8]) -> LogContents {
        let (lines, tail) = split(bytes)
        var events: [LogEvent] = []
        events.reserveCapacity(lines.count + 1)
        var problems: [LogProblem] = []
        for (index, range) in lines.enumerated() {
            let number = index + 1
            if range.isEmpty {
                problems.append(LogProblem(lineNumber: number, message: "empty line"))
                continue
            }
            do {
                events.append(LogEvent(lineNumber: number, line: try LogLine.decode(Array(bytes[range]))))
            } catch {
                problems.append(LogProblem(lineNumber: number, message: "not a log line (\(error))"))
            }
        }
        var torn: TornTail?
        if let tail {
            let number = lines.count + 1
            if let line = try? LogLine.decode(Array(bytes[tail])) {
                events.append(LogEvent(lineNumber: number, line: line))
                torn = TornTail(lineNumber: number, byteCount: tail.count, kept: true)
            } else if let end = LogChain.objectEnd(bytes, tail), end < tail.upperBound {
                problems.append(LogProblem(lineNumber: number, message: "\(tail.upperBound - end) byte(s) after the end of the line, and no newline"))
            } else {
                torn = TornTail(lineNumber: number, byteCount: tail.count, kept: false)
            }
        }
        return LogContents(events: events, problems: problems, torn: torn, lineCount: lines.count + (tail == nil ? 0 : 1))
    }

    /// The file's bytes.
    public static func bytes(contentsOf path: String) throws(LogReadError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LogReadError(path: path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw LogReadError(path: path, message: "is a folder, not a session log") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LogReadError(path: path, message: "cannot be read (permissions?)")
        }
        return [UInt8](data)
    }

    public static func read(contentsOf path: String) throws(LogReadError) -> LogContents {
        read(try bytes(contentsOf: path))
    }
}
