import Foundation
import Testing

/// Running programs from tests: the built `inward`, chromium, python3.
enum Run {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct NotFound: Error, CustomStringConvertible { let description: String }

    /// Runs `executable` with `arguments`, waits, returns its exit status and output.
    static func process(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                        stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inp
        try p.run()
        if let stdin {
            inp.fileHandleForWriting.write(Data(stdin.utf8))
            try? inp.fileHandleForWriting.close()
        }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    final class Box: @unchecked Sendable { var data = Data() }

    /// A program on PATH (or a standard folder), nil if absent.
    static func which(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/bin:/usr/local/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    /// The built `inward`: INWARD_BIN_DIR, next to the test bundle, or a scratch folder of the package.
    static func inward() throws -> String {
        var dirs: [String] = []
        if let d = ProcessInfo.processInfo.environment["INWARD_BIN_DIR"] { dirs.append(d) }
        for path in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
            var url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            while url.path != "/" {
                if url.pathExtension == "xctest" { dirs.append(url.deletingLastPathComponent().path); break }
                url = url.deletingLastPathComponent()
            }
            dirs.append(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot.path)) ?? []
        for name in entries.sorted() where name.hasPrefix(".build") { dirs.append(packageRoot.path + "/" + name + "/debug") }
        for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/inward") { return d + "/inward" }
        throw NotFound(description: "the `inward` executable was not found; build it first (swift build --build-tests). Looked in: \(dirs)")
    }

    /// A fresh temporary folder.
    static func tempDir(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "inward-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
