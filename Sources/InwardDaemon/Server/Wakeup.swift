import InwardPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Wakes the server loop from other threads: an eventfd the loop polls, plus the
/// list of connections that have new output or a finished call.
///
/// A connection is put on the list at most once until the loop takes it (see
/// `ConnectionOutbox`). The eventfd is written only when the list goes from empty
/// to non-empty and the caller is not the server thread, so a burst of replies
/// from a streaming thread costs one wakeup. The loop drains the eventfd before it
/// takes the list, so no wakeup is lost.
final class Wakeup: Sendable {
    let fd: Int32
    private let ready = Mutex<[ConnectionOutbox]>([])
    /// The thread running the loop (`pthread_self()`), 0 when none.
    private let serverThread = Atomic<UInt>(0)

    init() throws(SocketError) {
        guard let eventfd = Self.eventfdFunction else {
            throw .system(operation: "eventfd (not found in the C library)", path: nil, errno: ENOSYS)
        }
        // EFD_NONBLOCK and EFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC on Linux.
        let fd = eventfd(0, O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "eventfd", path: nil, errno: errno) }
        self.fd = fd
    }

    deinit { _ = Glibc.close(fd) }

    /// `eventfd(2)`, looked up in the C library: Swift's Glibc module does not
    /// import <sys/eventfd.h>, and no C target may be added for one declaration.
    private typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    private static let eventfdFunction: EventFD? = {
        guard let libc = dlopen(nil, RTLD_NOW), let symbol = dlsym(libc, "eventfd") else { return nil }
        return unsafeBitCast(symbol, to: EventFD.self)
    }()

    func setServerThread(_ thread: pthread_t?) {
        serverThread.store(thread.map { UInt($0) } ?? 0, ordering: .releasing)
    }

    var isOnServerThread: Bool {
        serverThread.load(ordering: .acquiring) == UInt(pthread_self())
    }

    /// Wakes the loop (thread-safe). A saturated counter (EAGAIN) is already a wakeup.
    func signal() {
        var one: UInt64 = 1
        _ = try? SystemCall.nonBlocking("write(eventfd)") { Glibc.write(fd, &one, 8) }
    }

    /// Resets the eventfd after poll reported it readable.
    func drain() {
        var value: UInt64 = 0
        _ = try? SystemCall.nonBlocking("read(eventfd)") { Glibc.read(fd, &value, 8) }
    }

    /// Puts a connection on the loop's list; signals when called off the server thread.
    func markReady(_ outbox: ConnectionOutbox) {
        let wasEmpty = ready.withLock { list in
            let wasEmpty = list.isEmpty
            list.append(outbox)
            return wasEmpty
        }
        if wasEmpty && !isOnServerThread { signal() }
    }

    /// The connections marked since the last call (server thread).
    func takeReady(into list: inout [ConnectionOutbox]) {
        list.removeAll(keepingCapacity: true)
        ready.withLock { swap(&$0, &list) }
    }
}
