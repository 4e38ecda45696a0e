import CSystemd
import Foundation
public import Logging

/// systemd's watchdog (`WatchdogSec=`): pings `WATCHDOG=1` at half the
/// interval systemd asks for, but only while the daemon does its work: the
/// control loop turns when poked, and a session's audio thread keeps playing
/// frames. A lost sound device is not a hung daemon: while it is gone the
/// audio thread keeps the session clock on the wall clock (frames still move)
/// and the device thread retries it every second; only a retry that has not
/// returned for `Check.deviceRetryLimit` seconds counts as stuck. A hung loop,
/// a stuck device write or open, or a stopped process stops the pings, and
/// systemd restarts the service.
public final class Watchdog: Sendable {
    /// What the pings vouch for.
    public struct Probes: Sendable {
        /// Turns of the control loop so far.
        public var loopTurns: @Sendable () -> UInt64
        /// Wakes the control loop for one turn.
        public var poke: @Sendable () -> Void
        /// Frames played in the session under way, nil when none is.
        public var playedFrames: @Sendable () -> Int64?
        /// Seconds since the retry loop of a lost device last turned, nil while the device plays.
        public var deviceRetryAge: @Sendable () -> Double?

        public init(loopTurns: @escaping @Sendable () -> UInt64, poke: @escaping @Sendable () -> Void,
                    playedFrames: @escaping @Sendable () -> Int64?,
                    deviceRetryAge: @escaping @Sendable () -> Double? = { nil }) {
            self.loopTurns = loopTurns
            self.poke = poke
            self.playedFrames = playedFrames
            self.deviceRetryAge = deviceRetryAge
        }
    }

    /// The interval systemd set for this process, or nil when it set none.
    public static func interval() -> Double? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return Double(usec) / 1_000_000
    }

    /// One look at the probes against the last one: alive, or what is stuck.
    public struct Check: Equatable, Sendable {
        public var loopTurns: UInt64
        public var playedFrames: Int64?
        /// Seconds since a lost device's retry loop last turned (nil: the device plays).
        public var deviceRetryAge: Double? = nil

        /// Seconds a single attempt to open a lost device may take before the daemon counts as stuck.
        public static let deviceRetryLimit = 10.0

        /// Nil when everything moved since `previous`; else what did not.
        public func stuck(since previous: Check) -> String? {
            if loopTurns == previous.loopTurns { return "the control loop has not turned" }
            if let now = playedFrames, let before = previous.playedFrames, now == before {
                return "the audio thread has played nothing"
            }
            if let age = deviceRetryAge, age > Self.deviceRetryLimit {
                return "the lost sound device's retry has not returned in \(Int(age)) s"
            }
            return nil
        }
    }

    private let probes: Probes
    private let period: Double
    private let logger: Logger

    /// - Parameter interval: systemd's watchdog interval; pings go at half of it.
    public init(interval: Double, probes: Probes, logger: Logger) {
        self.probes = probes
        self.period = interval / 2
        self.logger = logger
    }

    /// Starts the pinging thread; it runs for the life of the process.
    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "inward-watchdog"
        thread.start()
    }

    private func loop() {
        probes.poke()
        var previous = Check(loopTurns: probes.loopTurns(), playedFrames: probes.playedFrames(),
                             deviceRetryAge: probes.deviceRetryAge())
        var reported = false
        while true {
            Thread.sleep(forTimeInterval: period)
            let now = Check(loopTurns: probes.loopTurns(), playedFrames: probes.playedFrames(),
                            deviceRetryAge: probes.deviceRetryAge())
            if let problem = now.stuck(since: previous) {
                if !reported {
                    logger.critical("not vouching for the daemon to systemd's watchdog: \(problem)",
                                    metadata: ["watchdog_seconds": "\(period * 2)"])
                    reported = true
                }
            } else {
                _ = sd_notify(0, "WATCHDOG=1")
                if reported { logger.notice("the daemon moves again; watchdog pings resumed") }
                reported = false
            }
            previous = now
            probes.poke()
        }
    }
}
