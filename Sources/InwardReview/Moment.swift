import InwardCore
public import InwardProtocol

/// What the room heard at one moment: the track (and where in it) or the
/// soundscape with its settings, or a pause or silence over it; the phase;
/// the planned level; the loudness measured then, when the log has it.
public struct Moment: Sendable {
    /// Session seconds.
    public var seconds: Double
    public var phase: String?
    /// The span heard most: the one started last among those playing.
    public var playing: TrackSpan?
    /// Seconds into `playing`'s file (tracks only).
    public var position: Double?
    /// The span fading out under `playing` during a crossfade.
    public var fadingOut: TrackSpan?
    /// The soundscape's settings then (its phase's or takeover's, with live changes).
    public var settings: JSONObject
    /// A pause, silence, stop, calm or outage over the music.
    public var quiet: QuietSpan.Kind?
    /// The planned level (phase level plus volume, muted when paused), dB.
    public var levelDB: Double
    /// Short-term loudness measured at the output then, LUFS; nil when not in the log.
    public var heardLUFS: Double?

    /// `Still Water — Kōji Mori at 3:00`, `soundscape (intensity 0.5, brightness 0.4)`,
    /// `paused (under it: …)`, `silence`.
    public var playingText: String {
        var what: String
        if let p = playing {
            if p.isSoundscape {
                what = "soundscape" + (p.origin == .takeover ? " (took over)" : "") + Moment.settingsText(settings)
            } else {
                what = p.name + (position.map { " at " + SessionClock.counter($0) } ?? "")
            }
            if let f = fadingOut { what += ", crossfading from " + (f.isSoundscape ? "the soundscape" : f.name) }
        } else {
            what = ""
        }
        guard let quiet else { return what.isEmpty ? "nothing (no music in the log)" : what }
        let label: String = switch quiet {
        case .pause: "paused"
        case .silence: "silence"
        case .stop: "stopped (fading out or after the music)"
        case .outage: "nothing: the daemon was down"
        case .calm: "calm"
        }
        return what.isEmpty || quiet == .outage ? label : "\(label) (under it: \(what))"
    }

    static func settingsText(_ s: JSONObject) -> String {
        let shown = s.filter { $0.key == "intensity" || $0.key == "brightness" }
        guard !shown.isEmpty else { return "" }
        return " (" + shown.map { "\($0.key) \(Format.value($0.value))" }.joined(separator: ", ") + ")"
    }

    /// The soundscape settings as a compact text (`intensity 0.5, brightness 0.4`), empty for a track.
    public var settingsSummary: String {
        guard playing?.isSoundscape == true else { return "" }
        return settings.map { "\($0.key) \(Format.value($0.value))" }.joined(separator: ", ")
    }
}

extension ReviewTimeline {
    /// What was heard at session time `s`.
    public func moment(at s: Double, phase: String? = nil) -> Moment {
        // Spans are in start order: the last one started that still plays is heard most.
        var playing: TrackSpan?
        var fading: TrackSpan?
        for t in tracks {
            if t.start > s { break }
            guard s < t.end || (s == t.end && t.start == t.end) || (s == duration && t.end == duration) else { continue }
            if let p = playing { fading = p }
            playing = t
        }
        var settings: JSONObject = [:]
        if let p = playing, p.isSoundscape {
            settings = p.settings
            for c in settingChanges where c.seconds <= s && c.seconds >= p.start { settings[c.key] = c.value }
        }
        let q = quiet.last { $0.start <= s && s < $0.end }?.kind
        let heard = loudness.last { $0.start <= s && s < $0.start + $0.seconds }?.lufs
        return Moment(seconds: s, phase: phase ?? self.phase(at: s)?.name, playing: playing,
                      position: playing.flatMap { $0.isSoundscape ? nil : $0.position(at: s) },
                      fadingOut: fading, settings: settings, quiet: q, levelDB: level(at: s), heardLUFS: heard)
    }

    /// The phase playing at session time `s`.
    public func phase(at s: Double) -> PhaseSpan? {
        phases.last { $0.start <= s && (s < $0.end || $0.end == duration) }
    }

    /// The planned level at `s`, dB (piecewise linear between envelope points).
    public func level(at s: Double) -> Double {
        let e = envelope
        guard let first = e.first else { return 0 }
        if s <= first.seconds { return first.db }
        var lo = 0, hi = e.count - 1
        if s >= e[hi].seconds { return e[hi].db }
        // The last point at or before s.
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if e[mid].seconds <= s { lo = mid } else { hi = mid - 1 }
        }
        let a = e[lo], b = e[lo + 1]
        if b.seconds <= a.seconds { return b.db }
        return a.db + (b.db - a.db) * (s - a.seconds) / (b.seconds - a.seconds)
    }

    /// Wall-clock time of an event in the review's zone: `16:37:02`, or the UTC time when it is not RFC 3339.
    public func localTime(_ rfc3339: String) -> String {
        WallTime.local(rfc3339, in: zone)?.time ?? String(rfc3339.dropFirst(11).prefix(8))
    }

    /// `2026-11-26 16:37:02 +01:00` in the review's zone.
    public func localDateTime(_ rfc3339: String?) -> String? {
        guard let t = rfc3339 else { return nil }
        guard let l = WallTime.local(t, in: zone) else { return Self.wall(t) }
        return "\(l.date) \(l.time) " + (zone.name == "UTC" && l.offset == 0 ? "UTC" : "(UTC" + WallTime.offsetText(l.offset) + ")")
    }

    /// The zone's offset at an event, seconds east of UTC.
    public func utcOffset(_ rfc3339: String) -> Int? {
        WallTime.unix(rfc3339).map { zone.offset(Int64($0.rounded(.down))) }
    }
}
