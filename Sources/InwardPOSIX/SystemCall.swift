#if canImport(Glibc)
public import Glibc
#endif

/// Runs system calls the one way: a call interrupted by a signal (EINTR) is
/// made again, any other failure is thrown as a `SystemCallError` naming the
/// call, so no caller writes its own retry loop or loses an errno.
///
/// `body` is the bare call, returning what the C function returns (-1 and
/// `errno` on failure); it may run more than once, so it must not have done
/// anything before the call that cannot be repeated. `call` is evaluated only
/// on failure, so building it costs nothing on the success path.
///
/// Threads: stateless; safe from any thread. Neither function allocates or
/// locks on success, so they may be used on the real-time audio thread.
public enum SystemCall {
    /// Makes the call until it is not interrupted; its result, or the error.
    @inlinable
    @discardableResult
    public static func retrying<Result: SignedInteger>(
        _ call: @autoclosure () -> String, _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemCallError(call: call(), errno: code)
        }
    }

    /// For a non-blocking descriptor (or a timed-out blocking one), where EAGAIN
    /// is an expected answer: nil when the call would block (EAGAIN or
    /// EWOULDBLOCK), else as `retrying`.
    @inlinable
    public static func nonBlocking<Result: SignedInteger>(
        _ call: @autoclosure () -> String, _ body: () -> Result
    ) throws(SystemCallError) -> Result? {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SystemCallError(call: call(), errno: code)
        }
    }
}
