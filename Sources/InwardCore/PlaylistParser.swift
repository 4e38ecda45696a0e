/// Reads M3U and M3U8 playlists.
///
/// - Text: UTF-8 (a leading BOM is skipped); bytes that are not valid UTF-8 are
///   read as Latin-1, the legacy `.m3u` encoding. Lines end with LF, CRLF or CR.
/// - `#EXTM3U` and other `#` lines (`#EXTGRP`, `#PLAYLIST`, comments) are ignored,
///   except `#EXTINF:<seconds>[ attributes],<title>` (any case), whose length (`-1` = unknown)
///   and title go to the next entry.
/// - Entries: absolute paths, paths relative to `folder`, and `file://` URIs
///   (`file:///abs/path`, `file://localhost/abs/path`, percent-decoded). Backslashes
///   are not converted: Windows paths do not work. `.` and `..` are normalised.
/// - `http://`, `https://` and any other `scheme://` entry is an error (Inward plays
///   offline), as is a file that does not exist; either entry is skipped and
///   reading goes on. A playlist without playable entries gets a warning.
public enum PlaylistParser {
    public static func parse(_ bytes: [UInt8], file: String, folder: String,
                             fileExists: (String) -> Bool) -> Playlist {
        var entries: [PlaylistEntry] = []
        var diagnostics: [Diagnostic] = []
        var pendingTitle: String?
        var pendingSeconds: Double?
        for (offset, raw) in lines(of: decode(bytes)).enumerated() {
            let lineNumber = offset + 1
            let line = raw.trimmingSpaces()
            if line.isEmpty { continue }
            if line.utf8.first == UInt8(ascii: "#") {
                if let rest = dropASCIIPrefix("#EXTINF:", of: line[...]) {
                    (pendingSeconds, pendingTitle) = extinf(rest)
                }
                continue
            }
            let title = pendingTitle, seconds = pendingSeconds
            pendingTitle = nil
            pendingSeconds = nil
            func problem(_ message: String) {
                diagnostics.append(Diagnostic(.error, file: file, line: lineNumber, message: message))
            }
            let path: String
            switch location(of: line) {
            case .path(let p):
                path = PathResolver.resolve(p, in: folder)
            case .stream:
                problem("\(line): streams are not supported; Inward plays offline. Download the file and list its path instead")
                continue
            case .unsupported(let reason):
                problem("\(line): \(reason)")
                continue
            }
            guard fileExists(path) else {
                problem("file not found: \(path); entry skipped")
                continue
            }
            entries.append(PlaylistEntry(path: path, title: title, seconds: seconds, line: lineNumber))
        }
        if entries.isEmpty {
            diagnostics.append(Diagnostic(.warning, file: file, message: "the playlist has no playable entries; the phase will play the fallback soundscape"))
        }
        return Playlist(entries: entries, diagnostics: diagnostics)
    }

    // MARK: Text

    /// UTF-8 without a BOM, or Latin-1 when the bytes are not valid UTF-8.
    static func decode(_ bytes: [UInt8]) -> String {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let text = String(validating: body, as: UTF8.self) { return text }
        var text = ""
        text.unicodeScalars.append(contentsOf: body.map { Unicode.Scalar($0) })
        return text
    }

    /// Lines split at LF, CRLF or a lone CR.
    static func lines(of text: String) -> [String] {
        var result: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                result.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { result.append(String(current)) }
        return result
    }

    /// Length and title from the part of an `#EXTINF:` line after the colon.
    static func extinf(_ rest: Substring) -> (Double?, String?) {
        // By scalar: a combining mark after the comma must not hide it.
        let comma = rest.unicodeScalars.firstIndex(of: ",")
        let head = comma.map { rest[..<$0] } ?? rest
        let lengthText = head.unicodeScalars.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        var seconds = Double(lengthText)
        if let s = seconds, s < 0 || !s.isFinite { seconds = nil }
        var title: String?
        if let comma {
            let t = String(rest.unicodeScalars[rest.unicodeScalars.index(after: comma)...]).trimmingSpaces()
            title = t.isEmpty ? nil : t
        }
        return (seconds, title)
    }

    // MARK: Locations

    enum Location: Equatable {
        case path(String)
        case stream
        case unsupported(String)
    }

    static func location(of entry: String) -> Location {
        if var rest = dropASCIIPrefix("file://", of: entry[...]) {
            if dropASCIIPrefix("localhost/", of: rest) != nil { rest = dropASCIIPrefix("localhost", of: rest)! }
            guard rest.utf8.first == UInt8(ascii: "/") else {
                return .unsupported("file:// URIs with a host name are not supported; use file:///path/to/file")
            }
            guard let decoded = percentDecode(rest) else {
                return .unsupported("invalid percent-encoding in file:// URI")
            }
            return .path(decoded)
        }
        if hasScheme(entry) { return .stream }
        return .path(entry)
    }

    /// Whether text starts with `scheme://` (RFC 3986 scheme characters).
    static func hasScheme(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let colon = scalars.indices.first(where: {
            scalars[$0] == ":" && $0 + 2 < scalars.count && scalars[$0 + 1] == "/" && scalars[$0 + 2] == "/"
        }) else { return false }
        let scheme = scalars[..<colon]
        func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
        guard let first = scheme.first, isLetter(first) else { return false }
        return scheme.allSatisfy { c in isLetter(c) || (c >= "0" && c <= "9") || c == "+" || c == "-" || c == "." }
    }

    /// `text` after `prefix` (ASCII), comparing UTF-8 bytes and ignoring the case of
    /// ASCII letters; nil when `text` does not start with it. Byte-wise on purpose:
    /// compared as Characters, a combining mark after the prefix (`#\u{332}`, a
    /// comment) merges with its last character and hides it, and `uppercased()`
    /// turns non-ASCII letters into ASCII ones (`ı` into `I`).
    static func dropASCIIPrefix(_ prefix: String, of text: Substring) -> Substring? {
        func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 0x20 : b }
        var i = text.utf8.startIndex
        for p in prefix.utf8 {
            guard i < text.utf8.endIndex, lower(text.utf8[i]) == lower(p) else { return nil }
            i = text.utf8.index(after: i)
        }
        return text[i...]
    }

    /// `%XX` sequences decoded as UTF-8 bytes; nil when malformed.
    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let high = hexValue(utf8.popFirst()!), let low = hexValue(utf8.popFirst()!) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? decode(bytes)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

fileprivate extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
