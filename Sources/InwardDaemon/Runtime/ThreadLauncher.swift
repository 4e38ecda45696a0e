#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached, named thread for `body`; with `realtime`, asks for
/// SCHED_FIFO and says whether it got it (it needs CAP_SYS_NICE or an
/// RLIMIT_RTPRIO, which the systemd unit grants). Detached, so its stack is
/// freed when it ends: nothing joins a session's threads.
enum ThreadLauncher {
    private final class Box {
        let name: String
        let body: () -> Void
        init(_ name: String, _ body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    @discardableResult
    static func start(name: String, realtime: Bool = false, priority: Int32 = 20,
                      _ body: @escaping () -> Void) -> (thread: pthread_t, realtime: Bool) {
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            // Linux takes at most 15 characters; "inward-audio" shows in top and perf.
            _ = ThreadLauncher.setName?(pthread_self(), String(box.name.prefix(15)))
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
        pthread_detach(thread)
        return (thread, gotRealtime)
    }

    /// `pthread_setname_np`, looked up in the C library: Swift's Glibc module
    /// does not import GNU extensions.
    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    private static let setName: SetName? = {
        guard let libc = dlopen(nil, RTLD_NOW), let symbol = dlsym(libc, "pthread_setname_np") else { return nil }
        return unsafeBitCast(symbol, to: SetName.self)
    }()
}
