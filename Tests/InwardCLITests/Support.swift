@testable import InwardTestSupport
import CSndfile
import Foundation
import Testing

/// Runs the real `inward` executable built next to this test bundle.
enum CLI {
    struct Result: CustomStringConvertible, CustomTestStringConvertible {
        /// Short, for expectation expansions (the message carries the output).
        var testDescription: String { "exit \(status), \(stdout.count) chars out, \(stderr.count) chars err" }

        var status: Int32
        var stdout: String
        var stderr: String

        var description: String {
            "exit \(status)\n--- stdout (\(stdout.count) chars) ---\n\(stdout.prefix(2000))\n--- stderr (\(stderr.count) chars) ---\n\(stderr.prefix(2000))"
        }

        func stdoutHas(_ text: String) -> Bool { stdout.contains(text) }
        func stderrHas(_ text: String) -> Bool { stderr.contains(text) }
        var stdoutIsEmpty: Bool { stdout.isEmpty }
        var stderrIsEmpty: Bool { stderr.isEmpty }

        /// Standard output parsed as JSON, or nil.
        var json: Any? {
            try? JSONSerialization.jsonObject(with: Data(stdout.utf8))
        }
    }

    static let playlistsDir = Products.packageRoot.appendingPathComponent("Playlists")

    /// The built `inward`.
    static func executableURL() throws -> URL { URL(fileURLWithPath: try Products.executable("inward")) }

    /// Runs `inward` with `arguments`, HOME set to `home` (and its working
    /// folder), no ALSA_CONFIG_PATH, and extra environment variables; waits
    /// for it and returns its exit status and output.
    static func run(_ arguments: [String], home: URL, environment extra: [String: String] = [:]) throws -> Result {
        var changes: [String: String?] = ["HOME": home.path, "ALSA_CONFIG_PATH": nil]
        for (k, v) in extra { changes[k] = v }
        let r = try ProcessRun.product("inward", arguments, environment: changes, directory: home)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }
}

/// A fresh temporary folder for one test, removed when it ends.
final class TempDir {
    let url: URL

    init() throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
        url = base.appendingPathComponent("inward-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var path: String { url.path }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` in this folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = file(name)
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// What libsndfile says about an audio file.
struct SoundFileInfo {
    var frames: Int64
    var sampleRate: Int
    var channels: Int
    var format: Int32

    var subtype: Int32 { format & Int32(SF_FORMAT_SUBMASK) }
    var major: Int32 { format & Int32(SF_FORMAT_TYPEMASK) }

    struct ReadError: Error, CustomStringConvertible { let description: String }

    static func read(_ path: String) throws -> SoundFileInfo {
        var info = SF_INFO()
        guard let h = sf_open(path, Int32(SFM_READ), &info) else {
            throw ReadError(description: "sf_open(\(path)): \(String(cString: sf_strerror(nil)))")
        }
        sf_close(h)
        return SoundFileInfo(frames: Int64(info.frames), sampleRate: Int(info.samplerate),
                             channels: Int(info.channels), format: info.format)
    }

    /// Writes a short stereo 16-bit WAV of a quiet sine.
    static func writeSine(_ path: String, seconds: Double, rate: Int = 48000) throws {
        var info = SF_INFO()
        info.samplerate = Int32(rate)
        info.channels = 2
        info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        guard let h = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw ReadError(description: "sf_open(\(path)) for writing: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(h) }
        let n = Int(seconds * Double(rate))
        var samples = [Float](repeating: 0, count: n * 2)
        for i in 0..<n {
            let v = Float(0.2 * sin(2 * Double.pi * 440 * Double(i) / Double(rate)))
            samples[2 * i] = v
            samples[2 * i + 1] = v
        }
        let written = sf_writef_float(h, samples, sf_count_t(n))
        guard written == n else { throw ReadError(description: "wrote \(written) of \(n) frames to \(path)") }
    }
}

/// JSON helpers that keep failure messages short.
extension Dictionary where Key == String, Value == Any {
    func double(_ key: String) -> Double? {
        (self[key] as? NSNumber)?.doubleValue
    }
}
