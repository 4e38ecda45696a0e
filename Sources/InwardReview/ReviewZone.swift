import InwardCore

/// The time zone the review shows wall-clock times in, and where it came from.
///
/// The log keeps UTC (RFC 3339); `session.start` records the room's zone
/// (`time_zone`, an IANA name, and `utc_offset_seconds` at the start). Text and
/// HTML show local wall-clock time in that zone, or in the zone the reviewer
/// asked for (`--tz`); an old log without it is shown in the reviewer's own
/// zone, and the report says so. JSON and CSV keep UTC plus the offset.
///
/// The offset is a function of the moment so a zone that changes its offset
/// during a session (daylight saving) is honoured; this module has no time-zone
/// database, so the caller (the CLI, with Foundation) supplies it. Without one,
/// the offset the log recorded at the start holds for the whole session.
public struct ReviewZone: Sendable {
    public enum Source: String, Sendable {
        /// The room's zone, as `session.start` recorded it.
        case log
        /// The zone the reviewer asked for (`--tz`).
        case option
        /// The log does not say; the reviewer's own zone.
        case reviewer
    }

    /// IANA name (`Europe/Oslo`), or `UTC`, or `UTC+01:00` for a bare offset.
    public var name: String
    public var source: Source
    /// Seconds east of UTC at a moment given in Unix seconds.
    public var offset: @Sendable (Int64) -> Int

    public init(name: String, source: Source, offset: @escaping @Sendable (Int64) -> Int) {
        self.name = name
        self.source = source
        self.offset = offset
    }

    public static let utc = ReviewZone(name: "UTC", source: .reviewer) { _ in 0 }

    /// A zone with one offset for the whole session.
    public static func fixed(_ name: String, seconds: Int, source: Source) -> ReviewZone {
        ReviewZone(name: name, source: source) { _ in seconds }
    }

    /// A line for report headers: which zone and why.
    public func explanation(at unix: Int64?) -> String {
        let off = unix.map { " (UTC" + WallTime.offsetText(offset($0)) + ")" } ?? ""
        switch source {
        case .log: return "wall-clock times in \(name)\(off), the room's zone from the log"
        case .option: return "wall-clock times in \(name)\(off), as asked (--tz)"
        case .reviewer:
            return "wall-clock times in \(name)\(off): the log does not record the room's time zone, so this is the reviewer's zone"
                + " (give --tz ZONE for another)"
        }
    }
}

/// RFC 3339 times of the log, read and shown without Foundation.
public enum WallTime {
    /// Unix seconds (with fraction) of an RFC 3339 time such as
    /// `2026-11-26T15:37:02.699Z` or `2026-11-26T16:37:02+01:00`; nil when it is not one.
    public static func unix(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count >= 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20,
              b[13] == 0x3A, b[16] == 0x3A else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        var zone = 0
        if i < b.count, b[i] == 0x2B || b[i] == 0x2D {
            guard let zh = num(i + 1, 2), let zm = num(i + 4, 2) else { return nil }
            zone = (zh * 3600 + zm * 60) * (b[i] == 0x2D ? -1 : 1)
        } else if !(i < b.count && (b[i] == 0x5A || b[i] == 0x7A)) {
            return nil
        }
        let days = daysFromCivil(y, mo, d)
        return Double(days * 86400 + h * 3600 + mi * 60 + s - zone) + fraction
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// (year, month, day) of days since 1970-01-01.
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `+01:00`, `-05:30`, `+00:00`.
    public static func offsetText(_ seconds: Int) -> String {
        let a = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + SessionClock.pad2(a / 60) + ":" + SessionClock.pad2(a % 60)
    }

    /// Local date and time in `zone` of an RFC 3339 time: (`2026-11-26`, `16:37:02`, offset seconds).
    public static func local(_ rfc3339: String, in zone: ReviewZone) -> (date: String, time: String, offset: Int)? {
        guard let u = unix(rfc3339) else { return nil }
        let whole = Int64(u.rounded(.down))
        let offset = zone.offset(whole)
        let t = Int(whole) + offset
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let (y, m, d) = civil(days)
        let year = y < 1000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return (year + "-" + SessionClock.pad2(m) + "-" + SessionClock.pad2(d),
                SessionClock.hms(secs), offset)
    }
}
