import InwardCore

/// Properties of the M3U/M3U8 reader (InwardCore's PlaylistParser.swift) for any
/// bytes: every line that names an entry becomes exactly one entry or one error on
/// that line (lines counted independently, on the bytes), and every entry is a
/// normalised absolute path to a file that exists.
enum PlaylistProperties {
    static let file = "fuzz/list.m3u8"
    static let folder = "/music"
    static func fileExists(_ path: String) -> Bool { !path.contains("missing") }

    static func check(_ input: [UInt8]) throws(PropertyViolation) {
        let playlist = PlaylistParser.parse(input, file: file, folder: folder, fileExists: fileExists)
        let lines = byteLines(input)
        var entryLines: [Int] = []
        var extinfBefore: [Int: Bool] = [:]
        var sawExtinf = false
        for (index, line) in lines.enumerated() {
            let trimmed = trim(line)
            if trimmed.isEmpty { continue }
            if trimmed.first == UInt8(ascii: "#") {
                if trimmed.count >= 8 && String(decoding: trimmed.prefix(8), as: UTF8.self).uppercased() == "#EXTINF:" { sawExtinf = true }
                continue
            }
            entryLines.append(index + 1)
            extinfBefore[index + 1] = sawExtinf
            sawExtinf = false
        }

        let errors = playlist.diagnostics.filter { $0.severity == .error }
        let errorLines = errors.compactMap(\.line)
        let got = playlist.entries.map(\.line)
        try require(errorLines.count == errors.count, "errors name their line", "\(errors.filter { $0.line == nil })")
        try require(got == got.sorted() && Set(got).count == got.count, "entries in file order", "\(got)")
        try require(Set(got).isDisjoint(with: errorLines), "a line is an entry or an error", "\(got) and \(errorLines)")
        try require((got + errorLines).sorted() == entryLines, "every entry line accounted for once",
                    "entries on \(got), errors on \(errorLines), entry lines (counted on the bytes) \(entryLines)")
        try require(playlist.diagnostics.contains { $0.severity == .warning } == playlist.entries.isEmpty,
                    "warning exactly when nothing plays", "\(playlist.entries.count) entries, \(playlist.diagnostics.count) diagnostics")
        for d in playlist.diagnostics { try require(d.file == file, "diagnostics name the file", d.description) }

        for entry in playlist.entries {
            try require(entry.path.utf8.first == UInt8(ascii: "/") && PathResolver.normalize(entry.path) == entry.path, "entries are normalised absolute paths",
                        "line \(entry.line): '\(entry.path)'")
            try require(fileExists(entry.path), "entries exist", "line \(entry.line): '\(entry.path)'")
            if let seconds = entry.seconds {
                try require(seconds.isFinite && seconds >= 0, "lengths are finite and not negative", "line \(entry.line): \(seconds)")
            }
            if let title = entry.title {
                try require(!title.isEmpty && !title.unicodeScalars.contains { $0 == "\n" || $0 == "\r" }, "titles are one non-empty line",
                            "line \(entry.line): '\(title)'")
            }
            if entry.title != nil || entry.seconds != nil {
                try require(extinfBefore[entry.line] == true, "titles come from the entry's own #EXTINF", "line \(entry.line)")
            }
        }
    }

    /// Lines of the bytes (after a UTF-8 BOM), split at LF, CRLF or a lone CR.
    static func byteLines(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == 0x0A || c == 0x0D {
                lines.append(bytes[start..<i])
                if c == 0x0D && i + 1 < bytes.endIndex && bytes[i + 1] == 0x0A { i += 1 }
                start = i + 1
            }
            i += 1
        }
        if start < bytes.endIndex { lines.append(bytes[start...]) }
        return lines
    }

    static func trim(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = line.firstIndex(where: { !space($0) }), let last = line.lastIndex(where: { !space($0) }) else { return [] }
        return line[first...last]
    }
}
