import Foundation
import InwardPOSIX
import InwardProtocol
import Synchronization

/// Follows the daemon's Monitor stream for the console, on a thread of its
/// own, and reconnects whenever the daemon goes away (crash, restart, socket
/// activation), so the console can say it is gone and when it is back.
///
/// Threading: `start` spawns the one thread that talks to the socket; the
/// console's main thread only calls `take`, which copies under a mutex and
/// never blocks on I/O.
final class MonitorFeed: Sendable {
    /// What arrived since the last `take`.
    struct Update {
        /// The latest status, and when it arrived on the monotonic clock.
        var status: SessionStatus?
        var receivedAt = 0.0
        /// Events in the order they came.
        var events: [JSONObject] = []
        /// True while the stream is open.
        var connected = false
        /// Why the daemon cannot be followed, while it cannot.
        var problem: String?
        /// Counts changes, so the screen is redrawn only when something came.
        var version = 0
    }

    private let state = Mutex(Update())
    private let location: SocketLocation
    private let timeout: Double
    /// How long to wait between attempts while the daemon is gone.
    static let retryInterval: useconds_t = 500_000

    init(location: SocketLocation, timeout: Double) {
        self.location = location
        self.timeout = timeout
    }

    func start() {
        Thread { [self] in follow() }.start()
    }

    /// The latest state, with the events since the previous call.
    func take() -> Update {
        state.withLock { u in
            let copy = u
            u.events.removeAll()
            return copy
        }
    }

    private func follow() {
        while true {
            followOnce()
            usleep(Self.retryInterval)
        }
    }

    /// One connection, followed until the daemon goes away. Kept out of
    /// `follow`'s loop: Swift 6.3.1's loop-invariant code motion never ends on
    /// the stream's closure inlined into an endless loop (a release build of
    /// `inward` hung in it), so this must stay a call of its own.
    @inline(never)
    private func followOnce() {
        do {
            let connection = try VarlinkConnection(location, timeout: timeout)
            try connection.stream(SessionMethod.monitor.qualifiedName) { reply, _ in
                state.withLock { u in
                    u.connected = true
                    u.problem = nil
                    if let s = reply["status"]?.objectValue {
                        u.status = SessionStatus(json: s)
                        u.receivedAt = MonotonicClock.seconds
                    }
                    if let e = reply["event"]?.objectValue { u.events.append(e) }
                    u.version += 1
                }
                return true
            }
            lost("the daemon on \(location.path) shut down")
        } catch {
            lost(ErrorReport.describe(error).message)
        }
    }

    private func lost(_ why: String) {
        state.withLock { u in
            if u.connected || u.problem != why { u.version += 1 }
            u.connected = false
            u.problem = why
        }
    }
}
