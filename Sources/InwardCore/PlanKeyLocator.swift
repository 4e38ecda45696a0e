/// Maps key paths of a plan (`name`, `defaults.fade_in`, `phase[2]`,
/// `phase[2].source.kind`) to 1-based line numbers in the plan's TOML text.
///
/// TOMLKit reports no positions for keys, so this is a small line scanner: it
/// follows `[table]` and `[[array]]` headers (array elements are numbered from 1,
/// so the 2nd `[[phase]]` is `phase[2]` and a following `[phase.source]` is
/// `phase[2].source`), `key = value` lines (bare, quoted and dotted keys), and
/// the keys of inline tables written on one line (`source = { kind = "x" }`).
/// It skips comments and the bodies of multi-line strings. It is only used for
/// messages: on text it does not understand it finds fewer lines, never fails.
struct PlanKeyLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var scanner = Scanner()
        var lineNumber = 0
        for line in Self.splitLines(text) {
            lineNumber += 1
            scanner.scan(Array(line), line: lineNumber, into: &lines)
        }
    }

    /// The line where `path` is defined, if found.
    func exactLine(of path: String) -> Int? { lines[path] }

    /// The line of `path`, or else of the nearest enclosing table that was found
    /// (`phase[2].source.kind` -> `phase[2].source` -> `phase[2]`).
    func line(of path: String) -> Int? {
        var path = Substring(path)
        while true {
            if let line = lines[String(path)] { return line }
            guard let cut = Self.parentCut(path) else { return nil }
            path = path[..<cut]
        }
    }

    /// Where to cut `path` to get its parent: before the last `.` or `[`.
    private static func parentCut(_ path: Substring) -> Substring.Index? {
        guard let i = path.lastIndex(where: { $0 == "." || $0 == "[" }), i > path.startIndex else { return nil }
        return i
    }

    /// Lines split at LF (by Unicode scalar: "\r\n" is one Character), without a trailing CR.
    private static func splitLines(_ text: String) -> [Substring.UnicodeScalarView] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? line.dropLast() : line
        }
    }

    private struct Scanner {
        /// The open multi-line string's delimiter (`"""` or `'''`), if inside one.
        var openMultiline: Unicode.Scalar?
        /// Path of the current table, e.g. `phase[2].source`; "" at top level.
        var table = ""
        /// How many elements each array of tables has so far, by plain dotted name.
        var arrayCounts: [String: Int] = [:]

        mutating func scan(_ s: [Unicode.Scalar], line: Int, into lines: inout [String: Int]) {
            if let delimiter = openMultiline {
                // Inside a multi-line string; the line that closes it holds no key.
                if Self.findTriple(delimiter, in: s, from: 0) != nil { openMultiline = nil }
                return
            }
            var i = 0
            Self.skipSpace(s, &i)
            guard i < s.count, s[i] != "#" else { return }
            if s[i] == "[" {
                let isArray = i + 1 < s.count && s[i + 1] == "["
                i += isArray ? 2 : 1
                guard let names = Self.parseKey(s, &i) else { return }
                let path = resolve(names, appendingElement: isArray)
                table = path
                if lines[path] == nil { lines[path] = line }
                return
            }
            guard let names = Self.parseKey(s, &i) else { return }
            Self.skipSpace(s, &i)
            guard i < s.count, s[i] == "=" else { return }
            i += 1
            let path = Self.join(table, names.joined(separator: "."))
            if lines[path] == nil { lines[path] = line }
            Self.skipSpace(s, &i)
            scanValue(s, &i, path: path, line: line, into: &lines)
        }

        /// Table path for a header's names, numbering arrays of tables from 1.
        private mutating func resolve(_ names: [String], appendingElement: Bool) -> String {
            var plain = ""
            var path = ""
            for (n, name) in names.enumerated() {
                plain = plain.isEmpty ? name : plain + "." + name
                path = path.isEmpty ? name : path + "." + name
                let last = n == names.count - 1
                if last && appendingElement {
                    let count = (arrayCounts[plain] ?? 0) + 1
                    arrayCounts[plain] = count
                    path += "[\(count)]"
                } else if let count = arrayCounts[plain] {
                    path += "[\(count)]"
                }
            }
            return path
        }

        /// Skips one value; records keys of inline tables; notes an unclosed multi-line string.
        private mutating func scanValue(_ s: [Unicode.Scalar], _ i: inout Int, path: String, line: Int,
                                        into lines: inout [String: Int]) {
            guard i < s.count else { return }
            switch s[i] {
            case "{":
                i += 1
                while i < s.count {
                    Self.skipSpace(s, &i)
                    guard i < s.count else { return }
                    if s[i] == "}" { i += 1; return }
                    if s[i] == "," { i += 1; continue }
                    guard let names = Self.parseKey(s, &i) else { return }
                    Self.skipSpace(s, &i)
                    guard i < s.count, s[i] == "=" else { return }
                    i += 1
                    let inner = path + "." + names.joined(separator: ".")
                    if lines[inner] == nil { lines[inner] = line }
                    Self.skipSpace(s, &i)
                    scanValue(s, &i, path: inner, line: line, into: &lines)
                }
            case "[":
                i += 1
                while i < s.count {
                    Self.skipSpace(s, &i)
                    guard i < s.count else { return }
                    if s[i] == "]" { i += 1; return }
                    if s[i] == "," { i += 1; continue }
                    if s[i] == "#" { i = s.count; return }
                    let before = i
                    scanValue(s, &i, path: path, line: line, into: &lines)
                    if i == before { i += 1 }
                }
            case "\"", "'":
                let quote = s[i]
                if let close = Self.findTriple(quote, in: s, from: i), close == i {
                    // Multi-line string: does it close on this line?
                    if let end = Self.findTriple(quote, in: s, from: i + 3) {
                        i = end + 3
                    } else {
                        openMultiline = quote
                        i = s.count
                    }
                } else {
                    i += 1
                    while i < s.count && s[i] != quote {
                        if quote == "\"" && s[i] == "\\" { i += 1 }
                        i += 1
                    }
                    i += 1
                }
            default:
                while i < s.count, !",}]#".unicodeScalars.contains(s[i]) { i += 1 }
            }
        }

        private static func findTriple(_ quote: Unicode.Scalar, in s: [Unicode.Scalar], from start: Int) -> Int? {
            var i = start
            while i + 2 < s.count {
                if s[i] == quote && s[i + 1] == quote && s[i + 2] == quote { return i }
                i += 1
            }
            return nil
        }

        private static func skipSpace(_ s: [Unicode.Scalar], _ i: inout Int) {
            while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\r" { i += 1 }
        }

        /// A dotted key of bare and quoted parts, e.g. `a."b c".d`.
        private static func parseKey(_ s: [Unicode.Scalar], _ i: inout Int) -> [String]? {
            var names: [String] = []
            while true {
                skipSpace(s, &i)
                guard i < s.count else { return nil }
                var name = ""
                if s[i] == "\"" || s[i] == "'" {
                    let quote = s[i]
                    i += 1
                    while i < s.count && s[i] != quote {
                        if quote == "\"" && s[i] == "\\" && i + 1 < s.count {
                            i += 1
                        }
                        name.unicodeScalars.append(s[i])
                        i += 1
                    }
                    guard i < s.count else { return nil }
                    i += 1
                } else {
                    while i < s.count, isBare(s[i]) {
                        name.unicodeScalars.append(s[i])
                        i += 1
                    }
                    guard !name.isEmpty else { return nil }
                }
                names.append(name)
                skipSpace(s, &i)
                if i < s.count && s[i] == "." { i += 1; continue }
                return names
            }
        }

        private static func isBare(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
        }

        private static func join(_ table: String, _ key: String) -> String {
            table.isEmpty ? key : table + "." + key
        }
    }
}
