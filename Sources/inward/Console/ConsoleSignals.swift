import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP (the ssh connection dropped) while the console
/// runs: the handler only records the signal; the main loop sees it within
/// one input timeout and gives the terminal back before exiting. SIGWINCH is
/// ncurses' own (a resize key).
///
/// Threading: the handler runs on whichever thread the kernel picks and only
/// stores into an atomic; the main loop reads it.
enum ConsoleSignals {
    static let received = Atomic<Int32>(0)

    static func install() {
        _ = received.load(ordering: .relaxed)
        let handler: @convention(c) (Int32) -> Void = { signal in
            ConsoleSignals.received.store(signal, ordering: .relaxed)
        }
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s, handler)
            sigaddset(&set, s)
        }
        // A parent may have left them blocked (some process launchers do),
        // SIGWINCH included, which ncurses needs to follow a resize.
        sigaddset(&set, SIGWINCH)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The signal that asked the console to end, if one did.
    static var pending: Int32? {
        let s = received.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }
}
