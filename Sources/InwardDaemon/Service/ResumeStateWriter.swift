import InwardCore
import Logging
import Synchronization

/// The one writer of `state.json`. Whoever changes the session's course
/// (a control on the server thread, a track change on the engine queue)
/// hands it a way to build the state; it builds the state and gives it the
/// next revision under one lock, so a state built later always has the
/// higher revision, and writes on the durable queue only the newest state
/// it has been given. An older state can never replace a newer one, and a
/// burst of changes costs one write.
///
/// Threads: `save` and `remove` from any thread but the durable queue; they
/// return at once. Queue a reply after them on the durable queue to send it
/// once the state is on disk.
final class ResumeStateWriter: Sendable {
    private struct Pending {
        /// The latest revision given out, and what it is: a state, or nil for "no session".
        var revision: UInt64 = 0
        var state: ResumeState?
        /// The revision on disk.
        var written: UInt64 = 0
    }

    private let store: ResumeStore
    private let durable: DurableQueue
    private let logger: Logger
    private let pending = Mutex(Pending())

    init(store: ResumeStore, durable: DurableQueue, logger: Logger) {
        self.store = store
        self.durable = durable
        self.logger = logger
    }

    /// Numbers the next revisions after `revision` (the saved state's, when a
    /// daemon picks a session up again).
    func continueAfter(_ revision: UInt64) {
        pending.withLock { p in
            p.revision = max(p.revision, revision)
            p.written = max(p.written, revision)
        }
    }

    /// Saves the state `build` makes now; nil from `build` saves nothing.
    /// Returns the revision given to it.
    @discardableResult
    func save(_ build: () -> ResumeState?) -> UInt64? {
        let revision = pending.withLock { p -> UInt64? in
            guard var state = build() else { return nil }
            p.revision += 1
            state.revision = p.revision
            p.state = state
            return p.revision
        }
        if revision != nil { durable.async { [self] in writeNewest() } }
        return revision
    }

    /// Forgets the saved state (the session ended), after any save queued before.
    func remove() {
        pending.withLock { p in
            p.revision += 1
            p.state = nil
        }
        durable.async { [self] in writeNewest() }
    }

    /// On the durable queue: writes the newest state unless it is on disk already.
    private func writeNewest() {
        guard let (revision, state) = pending.withLock({ p -> (UInt64, ResumeState?)? in
            p.revision > p.written ? (p.revision, p.state) : nil
        }) else { return }
        if let state {
            do {
                try store.save(state)
            } catch {
                logger.error("cannot save the session state; a restart would not pick the session up again",
                             metadata: ["session.id": "\(state.sessionID)", "error": "\(error)"])
            }
        } else {
            store.remove()
        }
        pending.withLock { $0.written = max($0.written, revision) }
    }
}
