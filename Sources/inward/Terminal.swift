import InwardPOSIX
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Where output goes and whether a person is watching it.
enum Terminal {
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Writes to standard error without a newline (for progress lines).
    static func err(_ text: String) {
        var t = text
        t.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                guard let n = try? SystemCall.retrying("write(stderr)", { write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset) })
                else { return }
                offset += n
            }
        }
    }

    static func errLine(_ text: String) { err(text + "\n") }
}

/// Standard output, written straight to the file descriptor (so piped output
/// appears as it happens, and nothing is lost in a buffer on Ctrl-C).
enum Output {
    static func line(_ text: String) { write(text + "\n") }

    /// `--json` output the CLI builds itself (check, render, sessions,
    /// verify, devices): one line of compact JSON, object keys sorted at
    /// every level so the output is the same from run to run. Written by the
    /// project's one JSON serializer (InwardProtocol's `JSONValue`), the one
    /// the daemon and the review reports use.
    static func json(_ value: JSONValue) { line(value.sortingKeys.jsonString) }

    /// A daemon's reply for `--json`, as one line, members in the order the daemon sent them.
    static func json(_ reply: JSONObject) { line(JSONValue.object(reply).jsonString) }

    static func write(_ text: String) {
        var t = text
        t.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                guard let n = try? SystemCall.retrying("write(stdout)", { Glibc.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset) })
                else { return }
                offset += n
            }
        }
    }
}

extension JSONValue {
    /// The same value with every object's members in key order (recursively).
    var sortingKeys: JSONValue {
        switch self {
        case .array(let elements): .array(elements.map(\.sortingKeys))
        case .object(let object):
            .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value.sortingKeys) }))
        default: self
        }
    }
}
