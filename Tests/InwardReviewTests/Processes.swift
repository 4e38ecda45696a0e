@testable import InwardTestSupport
import Foundation

/// Running programs from tests (the built `inward`, chromium, python3), through
/// the shared `ProcessRun` and `Products`.
enum Run {
    /// Runs `executable` with `arguments`, waits, returns its exit status and output.
    static func process(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                        stdin: String? = nil) throws -> ProcessRun {
        try ProcessRun.run(executable, arguments, environment: environment, stdin: stdin)
    }

    /// A program on PATH (or a standard folder), nil if absent.
    static func which(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/bin:/usr/local/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The built `inward`.
    static func inward() throws -> String { try Products.executable("inward") }

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
