/// Finds TOML text that the TOML library (TOMLKit 0.6.0, on toml++ 3) cannot be
/// given safely, so the plan parser reports it as a syntax error instead.
///
/// toml++ checks some input only by assertion, which aborts the process in a build
/// with assertions and is undefined behaviour without them (found by fuzzing,
/// docs/fuzzing.md):
/// - a `[` or `[[` at the start of a line followed by anything but a key, a quote
///   or `]` (`[` alone, `[=`, `[#`, `[[[`);
/// - a `}` where an array expects a value (`a = [}`);
/// - U+0085, U+2028 or U+2029 (line breaks only to Unicode) where an array expects a value.
/// None of these is valid TOML. This scanner follows strings, comments and
/// multi-line arrays just far enough to find them; valid TOML never trips it.
enum TOMLPreflight {
    struct Problem: Equatable {
        /// 1-based line and column (in Unicode scalars).
        var line: Int
        var column: Int
        var message: String
    }

    /// The first spot the TOML library must not see, if any.
    static func problem(in text: String) -> Problem? {
        let s = Array(text.unicodeScalars)
        var i = s.first == "\u{FEFF}" ? 1 : 0
        var line = 1
        var lineStart = i
        var atLineStart = true   // only spaces and tabs so far on this line
        var inHeader = false     // a header line: its brackets are not a value's
        var open: [Unicode.Scalar] = []  // the arrays and inline tables of a value, innermost last
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func skipBlanks(_ k: inout Int) { while let c = at(k), c == " " || c == "\t" { k += 1 } }
        func newline(_ k: Int) { line += 1; lineStart = k + 1; atLineStart = true; inHeader = false }
        func problem(_ k: Int, _ message: String) -> Problem { Problem(line: line, column: k - lineStart + 1, message: message) }

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
            case "[" where atLineStart && open.isEmpty:
                var k = i + 1
                skipBlanks(&k)
                let header = "a table header needs a name: write [name] or [[name]]"
                if at(k) == "[" && k == i + 1 {
                    k += 1
                    skipBlanks(&k)
                    if let next = at(k), !isKeyStart(next) { return problem(k, header) }
                } else if let next = at(k), next != "[", !isKeyStart(next) {
                    // ("[ [" is an error toml++ reports itself.)
                    return problem(k, header)
                }
                inHeader = true
            case "[", "{":
                if !inHeader { open.append(c) }
            case "]", "}":
                if inHeader { break }
                if c == "}" && open.last == "[" {
                    return problem(i, "'}' inside an array: an array ends with ']'")
                }
                if !open.isEmpty { open.removeLast() }
            case "\u{85}", "\u{2028}", "\u{2029}":
                return problem(i, "U+\(String(c.value, radix: 16, uppercase: true)) is not a line break in TOML; use a plain newline")
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
