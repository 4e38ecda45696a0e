import Foundation
public import InwardProtocol

/// A session log as the tests read it: one JSON object a line (JSONL), in the
/// order the daemon wrote them.
public enum SessionLogLines {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Every line of `text`; a line that is not a JSON object is an error
    /// naming its line number.
    public static func parse(_ text: String) throws -> [JSONObject] {
        try text.split(separator: "\n").enumerated().map { index, line in
            guard let object = try? JSONValue.parse(Array(line.utf8)).objectValue else {
                throw Malformed(description: "session log line \(index + 1) is not a JSON object: \(line.prefix(200))")
            }
            return object
        }
    }

    /// Every line of the log at `path`, strictly (`parse`).
    public static func read(_ path: String) throws -> [JSONObject] {
        try parse(String(contentsOfFile: path, encoding: .utf8))
    }

    /// The lines of a log being written: a missing file is empty, and a line
    /// that does not parse (the last one, half written) is left out.
    public static func readWhileWritten(_ path: String) -> [JSONObject] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return [UInt8](data).split(separator: 10).compactMap { try? JSONValue.parse(Array($0)).objectValue }
    }
}
