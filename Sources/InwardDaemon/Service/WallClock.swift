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

    /// The room's time zone: its IANA name (from TZ, else /etc/localtime's
    /// link into the zoneinfo folder, else "UTC") and its offset from UTC now.
    static func timeZone() -> (name: String, offsetSeconds: Int) {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return (zoneName() ?? "UTC", parts.tm_gmtoff)
    }

    private static func zoneName() -> String? {
        if let tz = getenv("TZ").map({ String(cString: $0) }), !tz.isEmpty {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            if let range = name.range(of: "zoneinfo/") { return String(name[range.upperBound...]) }
            return name
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/etc/localtime", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let range = target.range(of: "zoneinfo/") else { return nil }
        return String(target[range.upperBound...])
    }
}
