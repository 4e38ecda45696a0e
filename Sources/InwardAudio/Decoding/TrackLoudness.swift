import Foundation
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
    public let sampleRate: Int
    /// The cache file (JSON, mode 0640), when there is one.
    public let cacheFile: String?

    private struct Entry: Codable {
        var size: Int64
        var mtime: Double
        /// Nil when the file could not be measured.
        var measurement: LoudnessMeter.Measurement?
    }

    private struct State {
        var known: [String: Entry] = [:]
        var queue: [String] = []
        var measuring = false
        var unsaved = 0
    }

    private let state = Mutex(State())
    private let idle = NSCondition()

    public init(sampleRate: Int, cacheFile: String? = nil) {
        self.sampleRate = sampleRate
        self.cacheFile = cacheFile
        if let cacheFile, let data = FileManager.default.contents(atPath: cacheFile),
           let saved = try? JSONDecoder().decode(Cache.self, from: data), saved.sampleRate == sampleRate {
            state.withLock { $0.known = saved.tracks }
        }
    }

    private struct Cache: Codable {
        var sampleRate: Int
        var tracks: [String: Entry]

        enum CodingKeys: String, CodingKey {
            case sampleRate = "sample_rate"
            case tracks
        }
    }

    /// The file's measurement if it is known and the file has not changed
    /// since; never reads the file's audio.
    public func measurement(for path: String) -> LoudnessMeter.Measurement? {
        guard let id = Self.identity(path) else { return nil }
        return state.withLock { s in
            guard let e = s.known[path], e.size == id.size, e.mtime == id.mtime else { return nil }
            return e.measurement
        }
    }

    /// Measures `path` now unless it is known; returns its measurement (nil
    /// when it cannot be measured).
    @discardableResult
    public func measure(_ path: String) -> LoudnessMeter.Measurement? {
        if let known = measurement(for: path) { return known }
        guard let id = Self.identity(path) else { return nil }
        let measured = try? LoudnessMeter.measure(path: path, sampleRate: sampleRate)
        state.withLock { s in
            s.known[path] = Entry(size: id.size, mtime: id.mtime, measurement: measured)
            s.unsaved += 1
        }
        return measured
    }

    /// Queues `paths` (those not known yet) for measuring in the background, in order.
    public func measureInBackground(_ paths: [String]) {
        let start = state.withLock { s -> Bool in
            for p in paths where !s.queue.contains(p) && s.known[p] == nil { s.queue.append(p) }
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
            if let path = state.withLock({ s in s.queue.isEmpty ? nil : s.queue.removeFirst() }) {
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
        let snapshot = state.withLock { s -> [String: Entry]? in
            guard s.unsaved > 0 else { return nil }
            s.unsaved = 0
            return s.known
        }
        guard let tracks = snapshot else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(Cache(sampleRate: sampleRate, tracks: tracks)) else { return }
        let temporary = cacheFile + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o640]) else { return }
        _ = rename(temporary, cacheFile)
    }

    private static func identity(_ path: String) -> (size: Int64, mtime: Double)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int64(st.st_size), Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }
}
