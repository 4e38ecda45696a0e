/// Finds TOML text that the TOML library (TOMLKit 0.6.0, on toml++ 3) cannot be
/// given safely, so the plan parser reports it as a syntax error instead.
///
/// toml++ checks a table header's name only by assertion: a `[` or `[[` at the start
/// of a line followed by anything but a key, a quote or `]` (`[` alone, `[=`, `[#`,
/// `[[[`) aborts the process in a build with assertions and is undefined behaviour
/// without them (found by fuzzing, docs/fuzzing.md). This scanner follows strings,
/// comments and multi-line arrays just far enough to know which `[` starts a header;
/// valid TOML never trips it.
enum TOMLPreflight {
    /// 1-based line and column of the first table header without a name, if any.
    static func unnamedTableHeader(in text: String) -> (line: Int, column: Int)? {
        let s = Array(text.unicodeScalars)
        var i = s.first == "\u{FEFF}" ? 1 : 0
        var line = 1
        var lineStart = i
        var atLineStart = true   // only spaces and tabs so far on this line
        var inHeader = false     // a header line: its brackets are not array brackets
        var depth = 0            // open arrays and inline tables of a value
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func skipBlanks(_ k: inout Int) { while let c = at(k), c == " " || c == "\t" { k += 1 } }
        func newline(_ k: Int) { line += 1; lineStart = k + 1; atLineStart = true; inHeader = false }

        while i < s.count {
            let c = s[i]
            switch c {
            case "\n":
                newline(i)
                i += 1
                continue
            case " ", "\t", "\r":
                i += 1
                continue
            case "#":
                while let d = at(i), d != "\n" { i += 1 }
                continue
            case "\"", "'":
                let triple = at(i + 1) == c && at(i + 2) == c
                i += triple ? 3 : 1
                while let d = at(i) {
                    if d == "\\" && c == "\"" {
                        if at(i + 1) == "\n" { newline(i + 1) }  // a line-ending backslash
                        i += 2
                        continue
                    }
                    if d == "\n" {
                        if !triple { break }  // an unclosed one-line string: toml++ reports it
                        newline(i)
                    }
                    if d == c && (!triple || (at(i + 1) == c && at(i + 2) == c)) {
                        i += triple ? 3 : 1
                        while triple, at(i) == c { i += 1 }  // up to two quotes may end the content
                        break
                    }
                    i += 1
                }
                atLineStart = false
                continue
            case "[" where atLineStart && depth == 0:
                var k = i + 1
                skipBlanks(&k)
                if at(k) == "[" && k == i + 1 {
                    k += 1
                    skipBlanks(&k)
                    if let next = at(k), !isKeyStart(next) { return (line, k - lineStart + 1) }
                } else if let next = at(k), next != "[", !isKeyStart(next) {
                    // ("[ [" is an error toml++ reports itself.)
                    return (line, k - lineStart + 1)
                }
                inHeader = true
            case "[", "{":
                if !inHeader { depth += 1 }
            case "]", "}":
                if !inHeader { depth = max(0, depth - 1) }
            default:
                break
            }
            atLineStart = false
            i += 1
        }
        return nil
    }

    /// What toml++ accepts right after a header's `[`: a bare key (ASCII letters,
    /// digits, `_`, `-`), a quoted key, or `]` (an error it reports).
    private static func isKeyStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
            || c == "_" || c == "-" || c == "\"" || c == "'" || c == "]"
    }
}
