import Foundation
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

    /// `--json` output: one line of JSON per answer, keys sorted, as the
    /// daemon-facing commands print their replies.
    static func json(_ object: Any) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        line(String(decoding: data, as: UTF8.self))
    }

    /// A daemon's reply for `--json`, as one line.
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
