/// Durations as people write them in plans and on the command line:
/// `90s`, `15m`, `1h30m`, `1h 30m`, `2m30s`, `1.5s`, `0s`.
///
/// A duration is one or more `<number><unit>` parts, units `h`, `m`, `s`, each used
/// at most once and in that order (hours, then minutes, then seconds). Numbers are
/// decimal, may have a fraction (`1.5h`), and are never signed. Parts may be
/// separated by spaces; there is no space between a number and its unit. A bare
/// number (`5`) is rejected because its unit would be a guess.
public enum DurationText {
    /// Seconds for a duration text, or nil when it is not one.
    public static func parse(_ s: String) -> Double? {
        let scalars = Array(s.unicodeScalars)
        var i = 0
        var total = 0.0
        var lastUnitRank = -1
        var parts = 0
        func skipSpaces() { while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 } }
        skipSpaces()
        while i < scalars.count {
            // Number: digits, optionally a fraction.
            var number = ""
            var sawDigit = false
            var sawPoint = false
            while i < scalars.count {
                let c = scalars[i]
                if c >= "0" && c <= "9" {
                    sawDigit = true
                } else if c == "." && !sawPoint {
                    sawPoint = true
                } else {
                    break
                }
                number.unicodeScalars.append(c)
                i += 1
            }
            guard sawDigit, let value = Double(number), value.isFinite, i < scalars.count else { return nil }
            let rank: Int
            let factor: Double
            switch scalars[i] {
            case "h": rank = 0; factor = 3600
            case "m": rank = 1; factor = 60
            case "s": rank = 2; factor = 1
            default: return nil
            }
            guard rank > lastUnitRank else { return nil }
            lastUnitRank = rank
            i += 1
            total += value * factor
            parts += 1
            skipSpaces()
        }
        return parts > 0 ? total : nil
    }

    /// A duration text for seconds, e.g. `1h30m`, `15m`, `1m30s`, `2.5s`, `0s`.
    ///
    /// Rounded to the millisecond; `parse(format(x)) == x` for any such value.
    /// Negative values get a leading `-` (which `parse` does not accept).
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds)s" }
        var millis = Int64((seconds * 1000).rounded())
        if millis == 0 { return "0s" }
        var sign = ""
        if millis < 0 { sign = "-"; millis = -millis }
        let hours = millis / 3_600_000
        let minutes = (millis / 60_000) % 60
        let wholeSeconds = (millis / 1000) % 60
        let fraction = millis % 1000
        var out = sign
        if hours > 0 { out += "\(hours)h" }
        if minutes > 0 { out += "\(minutes)m" }
        if wholeSeconds > 0 || fraction > 0 {
            out += "\(wholeSeconds)"
            if fraction > 0 {
                var digits = String(fraction)
                while digits.count < 3 { digits = "0" + digits }
                while digits.hasSuffix("0") { digits.removeLast() }
                out += "." + digits
            }
            out += "s"
        }
        return out
    }
}
