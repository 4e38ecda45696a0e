import ArgumentParser
import Foundation
import InwardReview

/// The zone a review shows wall-clock times in, with Foundation's time-zone
/// database (daylight saving included): `--tz`, else the room's zone from the
/// log, else the reviewer's own.
enum TimeZones {
    /// A zone for `--tz`: an IANA name (`Europe/Oslo`), `UTC`, `local`, or an
    /// offset (`+01:00`, `UTC-05:30`). Nil when it is none of these.
    static func zone(named text: String, source: ReviewZone.Source) -> ReviewZone? {
        if text == "local" { return local(source: source) }
        if let tz = TimeZone(identifier: text) { return foundation(tz, name: text, source: source) }
        var rest = Substring(text)
        if rest.hasPrefix("UTC") || rest.hasPrefix("GMT") { rest = rest.dropFirst(3) }
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        let parts = rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = Int(parts[0]), h <= 14,
              let m = parts.count == 2 ? Int(parts[1]) : 0, m < 60 else { return nil }
        let seconds = (h * 3600 + m * 60) * (sign == "-" ? -1 : 1)
        return .fixed("UTC" + WallTime.offsetText(seconds), seconds: seconds, source: source)
    }

    static func foundation(_ tz: TimeZone, name: String, source: ReviewZone.Source) -> ReviewZone {
        ReviewZone(name: name, source: source) { unix in tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unix))) }
    }

    /// The reviewer's own zone (TZ, /etc/localtime).
    static func local(source: ReviewZone.Source) -> ReviewZone {
        let tz = TimeZone.current
        return foundation(tz, name: tz.identifier, source: source)
    }

    /// `--tz` if given (a usage error when it is not a zone), else the log's zone, else the reviewer's.
    static func choose(_ option: String?, for timeline: ReviewTimeline) throws -> ReviewZone {
        if let option {
            guard let zone = zone(named: option, source: .option) else {
                throw ValidationError("--tz '\(option)' is not a time zone: give an IANA name such as Europe/Oslo, UTC, local, or an offset such as +01:00")
            }
            return zone
        }
        if let name = timeline.logTimeZone {
            if let tz = TimeZone(identifier: name) { return foundation(tz, name: name, source: .log) }
            // A zone this machine does not know: the offset the log recorded at the start.
            if timeline.logUTCOffset != nil { return timeline.zone }
        }
        return local(source: .reviewer)
    }
}
