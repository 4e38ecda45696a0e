import Foundation
import InwardCore
import InwardProtocol
public import Logging
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
/// playing order, long before most are needed). A track that must play
/// before its measurement can come (the first of a session, which may be an
/// hour long) gets a quick `estimate` instead, a few seconds of it read: it
/// starts on that, erring quiet, and glides to the measurement when it comes.
public final class TrackLoudness: Sendable {
    /// The cache file (JSON, mode 0640), when there is one. Its format is
    /// `CacheFile`'s.
    public let cacheFile: String?

    struct Entry: Equatable {
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
        /// Quick estimates, by path, while the file is the same (never saved).
        var estimates: [String: Entry] = [:]
    }

    private let state = Mutex(State())
    private let idle = NSCondition()
    /// One save at a time (the server thread and the background thread both
    /// measure): they share the temporary file.
    private let saving = NSLock()

    /// Reads `cacheFile` when it exists. A cache that cannot be read (not
    /// JSON, another shape, unreadable) is logged at warning and left aside:
    /// its tracks are measured again and the next save replaces it.
    public init(cacheFile: String? = nil, logger: Logger = Logger(label: "inward.loudness")) {
        self.cacheFile = cacheFile
        guard let cacheFile, let data = FileManager.default.contents(atPath: cacheFile) else { return }
        do throws(CacheFile.Unreadable) {
            let read = try CacheFile.decode(Array(data))
            state.withLock { $0.known = read.tracks }
            if read.skipped > 0 {
                logger.warning("loudness cache entries unreadable; those tracks will be measured again", metadata: [
                    "file": "\(cacheFile)", "entries": "\(read.skipped)",
                ])
            }
        } catch {
            logger.warning("loudness cache unreadable; its tracks will be measured again and the file replaced", metadata: [
                "file": "\(cacheFile)", "reason": "\(error.reason)",
            ])
        }
    }

    /// The file's measurement if it is known and the file has not changed
    /// since; never reads the file's audio.
    public func measurement(for file: String) -> LoudnessMeter.Measurement? {
        let path = Self.key(file)
        guard let id = Self.identity(path) else { return nil }
        return state.withLock { s in s.known[path].flatMap { $0.matches(id) ? $0.measurement : nil } }
    }

    /// How much quieter than its estimate suggests a track starts: the
    /// estimate's loudest stretch already errs loud; this covers louder
    /// stretches it did not sample.
    public static let estimateMarginDB = 3.0

    /// The file's quick estimate (`LoudnessMeter.estimate`), made now unless
    /// it or the full measurement is known; nil when it cannot be read.
    /// Reads a few seconds of audio: call it off the mix and audio threads.
    @discardableResult
    public func estimate(_ file: String) -> LoudnessMeter.Measurement? {
        let path = Self.key(file)
        if let known = estimated(path) { return known }
        guard let id = Self.identity(path), let quick = try? LoudnessMeter.estimate(path: path) else { return nil }
        state.withLock { $0.estimates[path] = Entry(size: id.size, mtime: id.mtime, measurement: quick) }
        return quick
    }

    /// The file's estimate if one was made and the file has not changed since
    /// (the full measurement when that is known); never reads the file's audio.
    public func estimated(_ file: String) -> LoudnessMeter.Measurement? {
        let path = Self.key(file)
        if let full = measurement(for: path) { return full }
        guard let id = Self.identity(path) else { return nil }
        return state.withLock { s in s.estimates[path].flatMap { $0.matches(id) ? $0.measurement : nil } }
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
        let data = Data(CacheFile.encode(tracks))
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

extension TrackLoudness {
    /// The cache file's format, written and read through the project's one
    /// JSON stack (`JSONValue`):
    ///
    ///     {"tracks":{"/music/a.flac":{"measurement":{"lufs":-20.5,"peakDB":-3.1},"mtime":1733300000.25,"size":5762044}}}
    ///
    /// Keys sorted; `measurement` absent when the track could not be measured,
    /// `lufs` absent when it is silent below the gate. Files written by earlier
    /// versions (Foundation's JSONEncoder: `\/` in paths, `1000000` for an
    /// integral mtime) have this shape and read the same.
    enum CacheFile {
        struct Unreadable: Error {
            var reason: String
        }

        static func encode(_ tracks: [String: Entry]) -> [UInt8] {
            let members = tracks.sorted { $0.key < $1.key }.map { path, entry -> JSONObject.Member in
                var o: JSONObject = [:]
                if let m = entry.measurement {
                    var measurement: JSONObject = [:]
                    if let lufs = m.lufs { measurement["lufs"] = .number(lufs) }
                    measurement["peakDB"] = .number(m.peakDB)
                    o["measurement"] = .object(measurement)
                }
                o["mtime"] = .number(entry.mtime)
                o["size"] = .integer(entry.size)
                return .init(key: path, value: .object(o))
            }
            return JSONValue.object(["tracks": .object(JSONObject(members))]).jsonBytes
        }

        /// The entries read, and how many were left aside (another shape).
        static func decode(_ bytes: [UInt8]) throws(Unreadable) -> (tracks: [String: Entry], skipped: Int) {
            let value: JSONValue
            do { value = try JSONValue.parse(bytes) } catch { throw Unreadable(reason: "not JSON: \(error)") }
            guard let tracks = value["tracks"]?.objectValue else {
                throw Unreadable(reason: "no \"tracks\" object at the top level")
            }
            var known: [String: Entry] = [:]
            var skipped = 0
            for member in tracks {
                if let entry = Self.entry(member.value) { known[member.key] = entry } else { skipped += 1 }
            }
            return (known, skipped)
        }

        private static func entry(_ value: JSONValue) -> Entry? {
            guard let size = value["size"]?.int64Value, let mtime = value["mtime"]?.doubleValue else { return nil }
            switch value["measurement"] {
            case nil, .null?:
                return Entry(size: size, mtime: mtime, measurement: nil)
            case .object?:
                guard let peak = value["measurement"]?["peakDB"]?.doubleValue else { return nil }
                let lufs = value["measurement"]?["lufs"]
                guard lufs == nil || lufs == .null || lufs?.doubleValue != nil else { return nil }
                return Entry(size: size, mtime: mtime, measurement: .init(lufs: lufs?.doubleValue, peakDB: peak))
            default:
                return nil
            }
        }
    }
}
