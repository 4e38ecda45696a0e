@testable import InwardDaemon
import Foundation
import Testing

/// The daemon's lock must be one ThreadSanitizer sees (scripts/test-sanitizers):
/// under contention, `Synchronization.Mutex` hands over through a PI futex the
/// sanitizer cannot see, and state it guards shows as raced.
@Suite("Mutex")
struct MutexTests {
    /// State outside the lock, guarded by it, as the mix lock guards the mixer.
    final class Guarded: @unchecked Sendable {
        let lock = Mutex<Void>(())
        var count = 0
        let inside = Mutex<Int>(0)
    }

    @Test("contended by four threads: every change to the state it guards is kept (and no sanitizer report)")
    func contended() {
        let guarded = Guarded()
        let threads = 4, rounds = 20_000
        let done = DispatchGroup()
        for _ in 0..<threads {
            done.enter()
            Thread {
                for _ in 0..<rounds {
                    guarded.lock.withLock { _ in guarded.count += 1 }
                    guarded.inside.withLock { $0 += 1 }
                }
                done.leave()
            }.start()
        }
        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(guarded.lock.withLock { _ in guarded.count } == threads * rounds)
        #expect(guarded.inside.withLock { $0 } == threads * rounds)
    }

    @Test("withLock passes on what the body returns and throws")
    func returnsAndThrows() {
        struct Refused: Error {}
        let m = Mutex([1, 2])
        #expect(m.withLock { $0.append(3); return $0.count } == 3)
        #expect(throws: Refused.self) { try m.withLock { _ throws(Refused) in throw Refused() } }
        #expect(m.withLock { $0 } == [1, 2, 3])
    }
}
