import Foundation

/// The one thread of the service that waits on the disk. Work that must follow
/// the disk runs here, one item at a time, in the order it was queued: a
/// staged event waits until it is durable and then goes to monitors; the
/// resume state is written; a control's reply goes out. So a control's reply
/// follows its event and the state it left onto the disk, while the control
/// server's thread never waits for an fsync and goes on serving everyone else.
///
/// Threads: `async` from any thread. `drain()` waits for everything queued so
/// far; never call it from the queue itself (it would wait for itself).
final class DurableQueue: Sendable {
    private let queue = DispatchQueue(label: "inward.durable", qos: .userInitiated)

    init() {}

    func async(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    /// Waits until everything queued before the call has run.
    func drain() {
        dispatchPrecondition(condition: .notOnQueue(queue))
        queue.sync {}
    }
}
