import InwardPOSIX
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the reader thread of the EINTR test shares with the test.
private final class InterruptedRead: Sendable {
    let fd: Int32
    let nonBlockingVariant: Bool
    /// Times the read(2) was entered.
    let attempts = Atomic<Int>(0)
    let outcome = Mutex<Result<Int, SystemCallError>?>(nil)

    init(fd: Int32, nonBlockingVariant: Bool) {
        self.fd = fd
        self.nonBlockingVariant = nonBlockingVariant
    }

    func run() {
        // The test runs on a worker thread that blocks signals, and this thread
        // inherited its mask: let SIGUSR1 through here.
        var usr1 = sigset_t()
        sigemptyset(&usr1)
        sigaddset(&usr1, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &usr1, nil)
        var byte: UInt8 = 0
        let result = Result { () throws(SystemCallError) -> Int in
            let body = { () -> Int in
                self.attempts.add(1, ordering: .sequentiallyConsistent)
                return Glibc.read(self.fd, &byte, 1)
            }
            if nonBlockingVariant { return try SystemCall.nonBlocking("read(pipe)", body) ?? -1 }
            return try SystemCall.retrying("read(pipe)", body)
        }
        outcome.withLock { $0 = result }
    }
}

@Suite("SystemCall: EINTR retried, EAGAIN reported, failures named", .serialized)
struct SystemCallTests {
    private func pipe(nonBlocking: Bool = false) throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try SystemCall.retrying("pipe") { Glibc.pipe(&fds) }
        if nonBlocking { _ = fcntl(fds[0], F_SETFL, O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    @Test("a read blocked on a pipe and interrupted by a signal (no SA_RESTART) is made again",
          arguments: [false, true])
    func retriesEINTR(nonBlockingVariant: Bool) throws {
        // A no-op handler without SA_RESTART: the kernel ends the read with EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = 0
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        #expect(sigaction(SIGUSR1, &action, &previous) == 0)
        defer { _ = sigaction(SIGUSR1, &previous, nil) }

        let fds = try pipe()
        defer { _ = close(fds.read); _ = close(fds.write) }
        let reader = InterruptedRead(fd: fds.read, nonBlockingVariant: nonBlockingVariant)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(reader).toOpaque()
        #expect(pthread_create(&thread, nil, { context in
            let reader = Unmanaged<InterruptedRead>.fromOpaque(context!).takeRetainedValue()
            reader.run()
            return nil
        }, context) == 0)

        // Signal the reader until its read has been entered a second time, which
        // happens only when the first one ended in EINTR and was retried. A
        // signal that lands before the read starts just runs the handler. The
        // thread is joinable and joined below, so pthread_kill is safe even if it
        // has already returned.
        let deadline = MonotonicClock.seconds + 10
        while reader.attempts.load(ordering: .sequentiallyConsistent) < 2,
              reader.outcome.withLock({ $0 == nil }), MonotonicClock.seconds < deadline {
            pthread_kill(thread, SIGUSR1)
            usleep(5_000)
        }
        var one: UInt8 = 42
        #expect(write(fds.write, &one, 1) == 1)
        pthread_join(thread, nil)

        #expect(reader.attempts.load(ordering: .sequentiallyConsistent) >= 2, "the read was never interrupted")
        let outcome = reader.outcome.withLock { $0 }
        #expect(outcome.flatMap { try? $0.get() } == 1, "the interrupted read did not go on to read the byte: \(String(describing: outcome))")
    }

    @Test("nonBlocking: nil when the call would block (EAGAIN), the result once data is there")
    func wouldBlock() throws {
        let fds = try pipe(nonBlocking: true)
        defer { _ = close(fds.read); _ = close(fds.write) }
        var byte: UInt8 = 0
        #expect(try SystemCall.nonBlocking("read(pipe)") { read(fds.read, &byte, 1) } == nil)
        // retrying does not hide EAGAIN: it is an error there.
        #expect(throws: SystemCallError(call: "read(pipe)", errno: EAGAIN)) {
            try SystemCall.retrying("read(pipe)") { read(fds.read, &byte, 1) }
        }
        var seven: UInt8 = 7
        #expect(write(fds.write, &seven, 1) == 1)
        #expect(try SystemCall.nonBlocking("read(pipe)") { read(fds.read, &byte, 1) } == 1)
        #expect(byte == 7)
    }

    @Test("any other failure throws the call's name and errno, described with the C library's text")
    func namedFailure() throws {
        let fds = try pipe()
        _ = close(fds.read)
        _ = close(fds.write)
        var byte: UInt8 = 0
        for nonBlocking in [false, true] {
            let error = #expect(throws: SystemCallError.self) {
                if nonBlocking {
                    _ = try SystemCall.nonBlocking("read(closed pipe)") { read(fds.read, &byte, 1) }
                } else {
                    try SystemCall.retrying("read(closed pipe)") { read(fds.read, &byte, 1) }
                }
            }
            #expect(error == SystemCallError(call: "read(closed pipe)", errno: EBADF))
            #expect(error?.description == "read(closed pipe): Bad file descriptor")
        }
    }
}
