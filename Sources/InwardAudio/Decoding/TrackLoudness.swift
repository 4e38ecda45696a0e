import Foundation
import InwardCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What is known of playlist tracks' loudness: measured once per file
/// (`LoudnessMeter`), remembered while the file's size and modification time
/// stay the same, and optionally kept in a cache file so the next session
/// finds its tracks measured.
///
/// Measuring reads a whole track, so it runs on a background thread, in the
/// order the tracks were asked for (a session asks for its playlists in
/// playing order, long before most are needed); `measure` does it at once
/// for the few tracks that must be known before they start.
public final class TrackLoudness: Sendable {
    /// The cache file (JSON, mode 0640), when there is one.
    public let cacheFile: String?

    private struct Entry: Codable {
        var size: Int64
        var mtime: Double
        /// Nil when the file could not be measured.
        var measurement: LoudnessMeter.Measurement?

        /// True while the file is the one that was measured.
        func matches(_ id: (size: Int64, mtime: Double)) -> Bool { size == id.size && mtime == id.mtime }
    }

    private struct State {
        var known: [String: Entry] = [:]
        var queue: [String] = []
        var queued: Set<String> = []
        var measuring = false
        var unsaved = 0
    }

    private let state = Mutex(State())
    private let idle = NSCondition()
    /// One save at a time (the server thread and the background thread both
    /// measure): they share the temporary file.
    private let saving = NSLock()

    public init(cacheFile: String? = nil) {
        self.cacheFile = cacheFile
        if let cacheFile, let data = FileManager.default.contents(atPath: cacheFile),
           let saved = try? JSONDecoder().decode(Cache.self, from: data) {
            state.withLock { $0.known = saved.tracks }
        }
    }

    private struct Cache: Codable {
        var tracks: [String: Entry]
    }

    /// The file's measurement if it is known and the file has not changed
    /// since; never reads the file's audio.
    public func measurement(for file: String) -> LoudnessMeter.Measurement? {
        let path = Self.key(file)
        guard let id = Self.identity(path) else { return nil }
        return state.withLock { s in s.known[path].flatMap { $0.matches(id) ? $0.measurement : nil } }
    }

    /// Measures `path` now unless it is known; returns its measurement (nil
    /// when it cannot be measured).
    @discardableResult
    public func measure(_ file: String) -> LoudnessMeter.Measurement? {
        let path = Self.key(file)
        if let known = measurement(for: path) { return known }
        guard let id = Self.identity(path) else { return nil }
        let measured = try? LoudnessMeter.measure(path: path)
        state.withLock { s in
            s.known[path] = Entry(size: id.size, mtime: id.mtime, measurement: measured)
            s.unsaved += 1
        }
        // Kept at once: a daemon killed before its queue is done must not
        // measure again, on its restart, the track it resumes with.
        save()
        return measured
    }

    /// Queues `paths` (those not measured as they are now: new or changed
    /// since) for measuring in the background, in order.
    public func measureInBackground(_ paths: [String]) {
        let files = paths.map(Self.key).compactMap { p in Self.identity(p).map { (p, $0) } }
        let start = state.withLock { s -> Bool in
            for (p, id) in files where !s.queued.contains(p) && !(s.known[p]?.matches(id) ?? false) {
                s.queue.append(p)
                s.queued.insert(p)
            }
            guard !s.queue.isEmpty, !s.measuring else { return false }
            s.measuring = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in backgroundLoop() }
        thread.name = "inward-loudness"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Waits until the background queue is empty (or `seconds` pass); true if it is.
    @discardableResult
    public func waitUntilIdle(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        idle.lock()
        defer { idle.unlock() }
        while state.withLock({ $0.measuring }) {
            if !idle.wait(until: deadline) { return !state.withLock { $0.measuring } }
        }
        return true
    }

    private func backgroundLoop() {
        // Below the mix and audio threads: measuring must never make them wait.
        _ = nice(10)
        while true {
            if let path = state.withLock({ s -> String? in
                guard !s.queue.isEmpty else { return nil }
                let p = s.queue.removeFirst()
                s.queued.remove(p)
                return p
            }) {
                measure(path)
                continue
            }
            save()
            // Done unless more came while saving.
            if state.withLock({ s -> Bool in
                if s.queue.isEmpty { s.measuring = false }
                return !s.measuring
            }) { break }
        }
        idle.lock()
        idle.broadcast()
        idle.unlock()
    }

    /// Writes the cache file (a new file, then rename) when something new was measured.
    public func save() {
        guard let cacheFile else { return }
        saving.lock()
        defer { saving.unlock() }
        let snapshot = state.withLock { s -> [String: Entry]? in
            guard s.unsaved > 0 else { return nil }
            s.unsaved = 0
            return s.known
        }
        guard let tracks = snapshot else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(Cache(tracks: tracks)) else { return }
        let temporary = cacheFile + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o640]) else { return }
        _ = rename(temporary, cacheFile)
    }

    /// One key per file however its path was spelt (`a//b`, `a/./b`): the
    /// normal form playlist entries already have.
    static func key(_ path: String) -> String { PathResolver.normalize(path) }

    private static func identity(_ path: String) -> (size: Int64, mtime: Double)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int64(st.st_size), Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }
}
