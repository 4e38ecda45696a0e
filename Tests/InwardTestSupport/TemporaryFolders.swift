import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The folders tests made with `TestAudio.temporaryDirectory`: removed, with
/// everything in them, when the test process exits, unless
/// `INWARD_KEEP_TEST_FILES` is set (to look at captures and logs after a run).
/// A full run writes several GB there (a daemon's room capture is ~100 MB);
/// left behind, a few runs fill a disk.
///
/// Threads: `add` from any test thread; the removal runs once, at exit.
final class TemporaryFolders: @unchecked Sendable {
    static let shared = TemporaryFolders()

    private let lock = NSLock()
    private var paths: [String] = []

    private init() {
        atexit { TemporaryFolders.shared.removeAll() }
    }

    func add(_ path: String) {
        lock.lock()
        paths.append(path)
        lock.unlock()
    }

    private func removeAll() {
        guard getenv("INWARD_KEEP_TEST_FILES") == nil else { return }
        lock.lock()
        let all = paths
        paths = []
        lock.unlock()
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }
}
