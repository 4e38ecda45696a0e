#if canImport(Glibc)
import Glibc
#endif

/// Wall time as the log writes it: RFC 3339, UTC, milliseconds.
enum WallClock {
    static func now() -> String {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        var parts = tm()
        var seconds = t.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let ms = Int32(t.tv_nsec / 1_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(ms, 3))Z"
    }

    /// A session id: UTC start time plus random hex, e.g. 20261126-153012-7f3a.
    static func sessionID() -> String {
        let stamp = now()
        let digits = stamp.filter(\.isNumber)
        let date = digits.prefix(8), time = digits.dropFirst(8).prefix(6)
        let random = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(date)-\(time)-\(String(repeating: "0", count: 4 - random.count))\(random)"
    }
}
