/// One output's own level (headphones a little lower than the speakers,
/// speakers off while the client listens alone), then its limiter at the
/// plan's cap, then its channel map. Runs on the output's audio thread after
/// the session's master controls (`OutputStage.processControls`), which
/// every output shares.
///
/// The level and the on/off switch are ramps whose product goes through a
/// `LevelSpeedLimit`, the same bounds as the master volume: an output comes
/// up no faster than the room may hear, and `off` fades it out. The limiter
/// sits per output because an output's level may lift the mix above the
/// cap. All storage is allocated in `init`; `process` is safe on a real-time
/// thread.
public final class OutputLevel {
    /// What a device channel plays.
    public enum Channel: String, Sendable, CaseIterable {
        case left, right
        /// Left and right averaged (a single speaker).
        case mono
        case silent
    }

    /// Highest level an output may be set to, dB relative to the plan.
    public static let maxDB = 12.0
    /// Lowest level (below it, an output is as good as off).
    public static let minDB = -60.0
    /// Fade of `off`, seconds (a fall exempt from the speed bound, like silence).
    public static let offSeconds = 3.0

    public let sampleRate: Int
    public let map: (Channel, Channel)
    public private(set) var levelDB: Double
    public private(set) var isOn = true
    private var level: GainRamp
    private var onOff = GainRamp(1)
    private var onOffLast = 1.0
    private var limit: LevelSpeedLimit
    private let limiter: Limiter

    /// - Parameters:
    ///   - capDB: the plan's cap, dBFS; the limiter's ceiling.
    ///   - lookahead: the limiter's window (the same as the master stage's, so every output has the same latency).
    public init(sampleRate: Int, levelDB: Double, capDB: Double, lookahead: Int,
                map: (Channel, Channel) = (.left, .right)) {
        self.sampleRate = sampleRate
        self.map = map
        let db = Self.clamp(levelDB)
        self.levelDB = db
        level = GainRamp(Decibels.gain(db))
        limit = LevelSpeedLimit(gain: Decibels.gain(db), sampleRate: sampleRate)
        limiter = Limiter(ceiling: Float(Decibels.gain(capDB)), lookahead: lookahead)
    }

    /// Frames the limiter delays the audio by.
    public var latency: Int { limiter.lookahead - 1 }

    public static func clamp(_ db: Double) -> Double { min(maxDB, max(minDB, db)) }

    /// Ramps the level to `db` (clamped) over `seconds`; returns the value applied.
    @discardableResult
    public func setLevel(db: Double, over seconds: Double) -> Double {
        levelDB = Self.clamp(db)
        level.move(to: Decibels.gain(levelDB), over: frames(seconds))
        return levelDB
    }

    /// Fades the output out (`off`) or back in (`on`, under the speed limit).
    public func setOn(_ on: Bool) {
        isOn = on
        onOff.move(to: on ? 1 : 0, over: on ? 0 : frames(Self.offSeconds))
    }

    /// The gain applied now (level and on/off, after the speed limit).
    public var appliedGain: Double { limit.applied }

    private func frames(_ seconds: Double) -> Int { Int((max(0, seconds) * Double(sampleRate)).rounded()) }

    /// Applies level, limiter and channel map to `frames` interleaved stereo frames in place.
    public func process(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        var i = 0
        var g0 = Float(limit.applied)
        while i < frames {
            let m = min(Self.step, frames - i)
            let l = level.advance(frames: m)
            let o = onOff.advance(frames: m)
            let exempt = onOffLast > 0 ? o / onOffLast : 1
            onOffLast = o
            let g1 = Float(limit.advance(towards: l * o, target: level.destination * onOff.destination, frames: m,
                                         exemptFall: exempt))
            if g0 != 1 || g1 != 1 { GainRamp.applyLine(from: g0, to: g1, buffer, at: i, frames: m) }
            g0 = g1
            i += m
        }
        limiter.process(buffer, frames: frames)
        if map.0 == .left && map.1 == .right { return }
        for k in 0..<frames {
            let l = buffer[2 * k], r = buffer[2 * k + 1]
            buffer[2 * k] = Self.pick(map.0, l, r)
            buffer[2 * k + 1] = Self.pick(map.1, l, r)
        }
    }

    @inline(__always)
    private static func pick(_ c: Channel, _ l: Float, _ r: Float) -> Float {
        switch c {
        case .left: l
        case .right: r
        case .mono: 0.5 * (l + r)
        case .silent: 0
        }
    }

    private static let step = 32

    /// An output level with the same settings and a copy of this one's state,
    /// for `assign(from:)` to copy into later without allocating (rewinding).
    public func copy() -> OutputLevel {
        let c = OutputLevel(sampleRate: sampleRate, levelDB: levelDB, capDB: Decibels.db(Double(limiter.ceiling)),
                        lookahead: limiter.lookahead, map: map)
        c.assign(from: self)
        return c
    }

    /// Makes this level's state (ramps, speed limit, limiter) a copy of
    /// `other`'s: the same input then gives the same output. No allocation.
    public func assign(from other: OutputLevel) {
        levelDB = other.levelDB
        isOn = other.isOn
        level = other.level
        onOff = other.onOff
        onOffLast = other.onOffLast
        limit = other.limit
        limiter.assign(from: other.limiter)
    }
}
