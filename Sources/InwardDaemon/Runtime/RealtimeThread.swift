#if canImport(Glibc)
import Glibc
#endif

/// Starts a thread for `body`; with `realtime`, asks for SCHED_FIFO and says
/// whether it got it (it needs CAP_SYS_NICE or an RLIMIT_RTPRIO, which the
/// systemd unit grants).
enum ThreadLauncher {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    @discardableResult
    static func start(name: String, realtime: Bool = false, priority: Int32 = 20,
                      _ body: @escaping () -> Void) -> (thread: pthread_t, realtime: Bool) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        var gotRealtime = false
        if realtime {
            var param = sched_param()
            param.sched_priority = priority
            gotRealtime = pthread_setschedparam(thread, SCHED_FIFO, &param) == 0
        }
        return (thread, gotRealtime)
    }
}
