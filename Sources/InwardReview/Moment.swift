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
    /// The phase's source kind when the log says it (`silence`, ...).
    public var phaseSource: String?

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
        if what.isEmpty {
            what = switch phaseSource {
            case "silence": "planned silence"
            case "aftercare": "nothing: the music has ended (aftercare)"
            case nil where phase != nil: "no track (the log does not say what this phase plays)"
            default: "nothing"
            }
        }
        guard let quiet else { return what }
        let label: String = switch quiet {
        case .pause: "paused"
        case .silence: "silence"
        case .stop: "stopped (fading out or after the music)"
        case .outage: "nothing: the daemon was down"
        case .calm: "calm"
        }
        return playing == nil || quiet == .outage ? label : "\(label) (under it: \(what))"
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
        // Spans are in start order: the last one started that still plays is heard most, the one
        // before it that still plays is fading out. Searched backwards from the last to start by `s`.
        var playing: TrackSpan?
        var fading: TrackSpan?
        var i = Self.lastIndex(tracks.count) { tracks[$0].start <= s }
        while i >= 0 && fading == nil {
            let end = tracks[i].end
            if s < end || (end == duration && s == duration) {
                if playing == nil { playing = tracks[i] } else { fading = tracks[i] }
            }
            i -= 1
        }
        var settings: JSONObject = [:]
        if let p = playing, p.isSoundscape {
            settings = p.settings
            for c in settingChanges where c.seconds <= s && c.seconds >= p.start { settings[c.key] = c.value }
        }
        let qi = Self.lastIndex(quiet.count) { quiet[$0].start <= s }
        var q: QuietSpan.Kind?
        // Quiet spans do not nest, except an outage inside a pause or silence: the latest that holds s.
        for k in stride(from: qi, through: max(0, qi - 2), by: -1) where k >= 0 && quiet[k].start <= s && s < quiet[k].end {
            q = quiet[k].kind
            break
        }
        let li = Self.lastIndex(loudness.count) { loudness[$0].start <= s }
        let heard = li >= 0 && s < loudness[li].start + loudness[li].seconds ? loudness[li].lufs : nil
        let span = self.phase(at: s)
        // After the music, in the aftercare band: no phase plays.
        let after = span == nil && phase == nil && playing == nil && inAftercare(s)
        return Moment(seconds: s, phase: phase ?? span?.name ?? (after ? "aftercare" : nil), playing: playing,
                      position: playing.flatMap { $0.isSoundscape ? nil : $0.position(at: s) },
                      fadingOut: fading, settings: settings, quiet: q, levelDB: level(at: s), heardLUFS: heard,
                      phaseSource: after ? "aftercare" : span?.source)
    }

    /// The last index in `0..<count` for which `isBefore` holds (it holds for a prefix), or -1.
    static func lastIndex(_ count: Int, _ isBefore: (Int) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isBefore(mid) { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
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
