@testable import InwardAudio
@testable import InwardTestSupport
import Foundation
import Logging
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The loudness cache file across versions: a file written by the earlier
/// writer (Foundation's JSONEncoder) is read as it stands, a file written now
/// reads back in that earlier shape, and a cache that is not one is set aside
/// with a log line, its tracks measured again.
@Suite("Loudness cache file")
struct LoudnessCacheFileTests {
    /// The earlier writer's types and settings, kept here as the reference
    /// for the format (TrackLoudness encoded these with JSONEncoder, sorted keys).
    struct OldMeasurement: Codable, Equatable {
        var lufs: Double?
        var peakDB: Double
    }

    struct OldEntry: Codable, Equatable {
        var size: Int64
        var mtime: Double
        var measurement: OldMeasurement?
    }

    struct OldCache: Codable, Equatable {
        var tracks: [String: OldEntry]
    }

    static func oldBytes(_ cache: OldCache) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(cache)
    }

    /// A new folder, its path spelt as TrackLoudness keys files (the cache's keys).
    static func directory(_ name: String) -> URL {
        URL(fileURLWithPath: TrackLoudness.key(TestAudio.temporaryDirectory(name).path))
    }

    /// The file's size and modification time as TrackLoudness identifies it.
    static func identity(_ path: String) throws -> (size: Int64, mtime: Double) {
        var st = stat()
        try #require(stat(path, &st) == 0, "stat \(path)")
        return (Int64(st.st_size), Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }

    /// Log messages at warning and above, with their metadata.
    final class RecordingHandler: LogHandler, @unchecked Sendable {
        let records = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            guard level >= .warning else { return }
            records.withLock { $0.append((message.description, metadata ?? [:])) }
        }
    }

    @Test("a cache written by the earlier JSONEncoder writer is read without measuring: values, silent and unmeasurable tracks")
    func oldFormatIsRead() throws {
        let dir = Self.directory("loudness-old-cache")
        let a = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.25, sampleRate: 48000, seconds: 2)
        let silent = try TestAudio.sine(to: dir.appendingPathComponent("silent.wav").path, format: .wav16, frequency: 440,
                                        amplitude: 0, sampleRate: 48000, seconds: 2)
        let broken = dir.appendingPathComponent("broken.wav").path
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: broken))
        // An integral mtime: JSONEncoder wrote it without a fraction ("1000000").
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, silent, &times, 0) == 0)

        let ia = try Self.identity(a), isilent = try Self.identity(silent), ibroken = try Self.identity(broken)
        // Values no real measure of these files gives: found, they came from the file.
        let old = OldCache(tracks: [
            a: OldEntry(size: ia.size, mtime: ia.mtime, measurement: OldMeasurement(lufs: -31.25, peakDB: -7.5)),
            silent: OldEntry(size: isilent.size, mtime: isilent.mtime, measurement: OldMeasurement(lufs: nil, peakDB: -99.5)),
            broken: OldEntry(size: ibroken.size, mtime: ibroken.mtime, measurement: nil),
        ])
        let bytes = try Self.oldBytes(old)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\\/"), "the earlier writer escaped slashes in paths: \(text)")
        #expect(text.contains("\"mtime\":1000000,"), "an integral mtime without a fraction: \(text)")
        let cacheFile = dir.appendingPathComponent("loudness.json").path
        try bytes.write(to: URL(fileURLWithPath: cacheFile))

        let handler = RecordingHandler()
        let store = TrackLoudness(cacheFile: cacheFile, logger: Logger(label: "test", factory: { _ in handler }))
        #expect(store.measurement(for: a) == LoudnessMeter.Measurement(lufs: -31.25, peakDB: -7.5))
        #expect(store.measurement(for: silent) == LoudnessMeter.Measurement(lufs: nil, peakDB: -99.5))
        #expect(store.measurement(for: broken) == nil)
        #expect(handler.records.withLock { $0.isEmpty }, "a good cache logs nothing: \(handler.records.withLock { $0.map(\.message) })")

        // Queued again, nothing is measured (all three are known as they are): the file stays as it was.
        store.measureInBackground([a, silent, broken])
        #expect(store.waitUntilIdle(seconds: 30))
        #expect(try Data(contentsOf: URL(fileURLWithPath: cacheFile)) == bytes)
    }

    @Test("a cache written now has the earlier shape: the earlier reader (JSONDecoder) gets the same entries")
    func newFormatReadsAsOld() throws {
        let dir = Self.directory("loudness-new-cache")
        let a = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.25, sampleRate: 48000, seconds: 2)
        let silent = try TestAudio.sine(to: dir.appendingPathComponent("silent.wav").path, format: .wav16, frequency: 440,
                                        amplitude: 0, sampleRate: 48000, seconds: 2)
        let broken = dir.appendingPathComponent("broken.wav").path
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: broken))
        let cacheFile = dir.appendingPathComponent("loudness.json").path
        let store = TrackLoudness(cacheFile: cacheFile)
        let ma = try #require(store.measure(a))
        let ms = try #require(store.measure(silent))
        #expect(ms.lufs == nil)
        #expect(store.measure(broken) == nil)
        store.save()

        let data = try Data(contentsOf: URL(fileURLWithPath: cacheFile))
        let old = try JSONDecoder().decode(OldCache.self, from: data)
        let ia = try Self.identity(a), isilent = try Self.identity(silent), ibroken = try Self.identity(broken)
        #expect(old == OldCache(tracks: [
            a: OldEntry(size: ia.size, mtime: ia.mtime, measurement: OldMeasurement(lufs: ma.lufs, peakDB: ma.peakDB)),
            silent: OldEntry(size: isilent.size, mtime: isilent.mtime, measurement: OldMeasurement(lufs: nil, peakDB: ms.peakDB)),
            broken: OldEntry(size: ibroken.size, mtime: ibroken.mtime, measurement: nil),
        ]))
        // Keys sorted, as the earlier writer wrote them.
        let text = String(decoding: data, as: UTF8.self)
        let order = [a, broken, silent].map { text.range(of: "\"\($0)\"")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order == order.sorted { $0! < $1! }, "\(text)")
    }

    @Test("a cache that is not one (torn, another shape) logs a warning, is measured again and replaced", arguments: [
        "{\"tracks\":{\"/x\":{\"size\":1,\"mti", "[1,2,3]", "{\"tracks\":[]}",
    ])
    func unreadableCache(contents: String) throws {
        let dir = Self.directory("loudness-bad-cache")
        let a = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.25, sampleRate: 48000, seconds: 2)
        let cacheFile = dir.appendingPathComponent("loudness.json").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: cacheFile))

        let handler = RecordingHandler()
        let store = TrackLoudness(cacheFile: cacheFile, logger: Logger(label: "test", factory: { _ in handler }))
        let records = handler.records.withLock { $0 }
        #expect(records.count == 1 && records.first?.message.contains("loudness cache unreadable") == true, "\(records.map(\.message))")
        #expect(records.first?.metadata["file"] == .string(cacheFile))
        #expect(store.measurement(for: a) == nil)

        store.measureInBackground([a])
        #expect(store.waitUntilIdle(seconds: 30))
        let measured = try #require(store.measurement(for: a))
        // Replaced by a good cache that the next start reads.
        #expect(TrackLoudness(cacheFile: cacheFile).measurement(for: a) == measured)
    }

    @Test("entries of another shape are left aside with one warning; the others are kept")
    func unreadableEntries() throws {
        let dir = Self.directory("loudness-bad-entries")
        let a = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 440,
                                   amplitude: 0.25, sampleRate: 48000, seconds: 2)
        let ia = try Self.identity(a)
        let cacheFile = dir.appendingPathComponent("loudness.json").path
        let text = """
            {"tracks":{"\(a)":{"measurement":{"lufs":-30.5,"peakDB":-6.25},"mtime":\(ia.mtime),"size":\(ia.size)},
            "/b.wav":{"size":"big","mtime":1.5},"/c.wav":{"size":3,"mtime":1.5,"measurement":{"lufs":"loud","peakDB":-1.0}}}}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: cacheFile))
        let handler = RecordingHandler()
        let store = TrackLoudness(cacheFile: cacheFile, logger: Logger(label: "test", factory: { _ in handler }))
        #expect(store.measurement(for: a) == LoudnessMeter.Measurement(lufs: -30.5, peakDB: -6.25))
        let records = handler.records.withLock { $0 }
        #expect(records.count == 1 && records.first?.metadata["entries"] == "2", "\(records)")
    }
}
