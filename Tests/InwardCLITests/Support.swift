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

    struct NotFound: Error, CustomStringConvertible { let description: String }

    /// The package root (the folder holding Package.swift), from this file's path.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    static let playlistsDir = packageRoot.appendingPathComponent("Playlists")

    /// Folders where the products (and so `inward`) may be, best first.
    static func candidateDirectories() -> [URL] {
        var dirs: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["INWARD_BIN_DIR"] {
            dirs.append(URL(fileURLWithPath: explicit))
        }
        // The test runner: `<products>/InwardPackageTests.xctest` (a file on
        // Linux, a bundle elsewhere), possibly with its binary inside.
        for path in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
            var url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            while url.path != "/" {
                if url.pathExtension == "xctest" {
                    dirs.append(url.deletingLastPathComponent())
                    break
                }
                url = url.deletingLastPathComponent()
            }
            dirs.append(URL(fileURLWithPath: path).deletingLastPathComponent())
        }
        dirs.append(Bundle.main.bundleURL)
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        // Scratch folders in the package root: .build, .build-*, any --scratch-path.
        let root = packageRoot
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in entries.sorted() where name.hasPrefix(".build") {
            dirs.append(root.appendingPathComponent(name).appendingPathComponent("debug"))
        }
        return dirs
    }

    /// The `inward` executable, or a clear error saying where it was looked for.
    static let executable: Located = {
        let dirs = candidateDirectories()
        for dir in dirs {
            let candidate = dir.appendingPathComponent("inward")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) {
                return .found(candidate)
            }
        }
        return .missing("the `inward` executable was not found; build it first (`swift build --build-tests`). Looked in: "
            + dirs.map(\.path).joined(separator: ", "))
    }()

    enum Located: Sendable {
        case found(URL)
        case missing(String)
    }

    static func executableURL() throws -> URL {
        switch executable {
        case .found(let url): return url
        case .missing(let message): throw NotFound(description: message)
        }
    }

    /// Runs `inward` with `arguments`, HOME set to `home`, and extra
    /// environment variables; waits for it and returns its exit status and output.
    static func run(_ arguments: [String], home: URL, environment extra: [String: String] = [:],
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env.removeValue(forKey: "ALSA_CONFIG_PATH")
        for (k, v) in extra { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = home
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes at once so neither can fill up and block the child.
        let errData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.get(), as: UTF8.self))
    }
}

final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
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
