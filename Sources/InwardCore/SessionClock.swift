/// How Inward writes session times, the same in the CLI, the review and the
/// journal: points on the dosing clock as `T+00:12:30` (T-… before the dose,
/// S+… in a session with no dose), lengths as `45 s`, `12:30` or `1:02:03`,
/// and running counters (time in a phase, time left) as `0:45`.
public enum SessionClock {
    /// `T+00:12:30` / `T-00:05:00` for seconds from T0 (whole seconds, rounded down).
    public static func t(_ seconds: Double) -> String {
        let whole = Int((seconds + 1e-6).rounded(.down))
        return whole < 0 ? "T-" + hms(-whole) : "T+" + hms(whole)
    }

    /// `S+00:12:30`: seconds from the session start, for a session without a dose.
    public static func s(_ seconds: Double) -> String { "S+" + hms(max(0, Int((seconds + 1e-6).rounded(.down)))) }

    /// `01:02:03`.
    public static func hms(_ total: Int) -> String {
        let h = total / 3600, m = (total / 60) % 60, s = total % 60
        return pad2(h) + ":" + pad2(m) + ":" + pad2(s)
    }

    /// A length: `1:02:03` or `12:30` or `45 s` (rounded to the second).
    public static func length(_ seconds: Double) -> String {
        let total = Int((seconds + 0.5).rounded(.down))
        if total < 60 { return "\(total) s" }
        let h = total / 3600, m = (total / 60) % 60, s = total % 60
        return h > 0 ? "\(h):" + pad2(m) + ":" + pad2(s) : "\(m):" + pad2(s)
    }

    /// A running counter: `0:45`, `12:30`, `1:02:03` (whole seconds, rounded down).
    public static func counter(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded(.down))
        let h = total / 3600, m = (total / 60) % 60, s = total % 60
        return h > 0 ? "\(h):" + pad2(m) + ":" + pad2(s) : "\(m):" + pad2(s)
    }

    public static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
