#if canImport(Glibc)
import Glibc
#endif

/// Opens an output's device on a short-lived real-time thread, so that the
/// threads an ALSA plugin starts while it opens inherit the real-time policy.
///
/// Why: ALSA's pulse plugin (PulseAudio, PipeWire's pulse server) runs a
/// libpulse main loop on a thread of its own, created in `snd_pcm_open`;
/// that thread receives the server's timing updates, from which
/// `snd_pcm_delay` is computed. Opened from an ordinary thread it competes
/// with every busy process on the machine, the timing updates arrive late,
/// and the reported delay saws up and down by several milliseconds for
/// seconds at a time: measured with 5 busy loops on 2 cores, the drift
/// controller steered the second output 6 ms away from the first on such
/// figures (docs/outputs.md). A thread created by a SCHED_FIFO thread is
/// SCHED_FIFO itself (glibc's default inherits the creator's policy), so the
/// plugin's thread gets the CPU it needs. Hardware devices start no thread:
/// for them this only costs a thread start.
///
/// Threads: `open` may be called from any thread (the service's, or an
/// output's own when it reopens its device); it blocks until the opener
/// thread is done. Without CAP_SYS_NICE or RLIMIT_RTPRIO the thread stays
/// ordinary and the device opens all the same.
enum OutputOpener {
    /// Below the audio threads' priority (20): the plugin's thread serves them.
    static let priority: Int32 = 10

    private final class Call<T, E: Error>: @unchecked Sendable {
        let body: () throws(E) -> T
        var result: Result<T, E>?
        let done = Semaphore()
        init(_ body: @escaping () throws(E) -> T) { self.body = body }
    }

    /// Runs `body` (which opens a device) on a real-time thread and returns what it returns or throws.
    static func open<T, E: Error>(_ body: @escaping () throws(E) -> T) throws(E) -> T {
        let call = Call(body)
        ThreadLauncher.start(name: "inward-open") {
            // Before the body runs, so that every thread it starts inherits the policy.
            var param = sched_param()
            param.sched_priority = priority
            _ = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param)
            call.result = Result { () throws(E) -> T in try call.body() }
            call.done.signal()
        }
        while !call.done.wait(seconds: 1) {}
        return try call.result!.get()
    }
}
