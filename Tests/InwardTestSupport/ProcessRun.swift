import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A finished run of a program, for tests that go through a real binary:
/// the package's own (`product`) or any other (`run`).
struct ProcessRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    /// True when it outlived its timeout and was killed.
    var timedOut = false

    var description: String {
        "exit \(status)\(timedOut ? " (timed out)" : "")\n--- stdout ---\n\(stdout.prefix(3000))\n--- stderr ---\n\(stderr.prefix(2000))"
    }

    /// Runs `executable` with `arguments` to the end. Both pipes are drained
    /// as the program writes, so neither can fill up and block it.
    /// - Parameters:
    ///   - environment: changes to this process's environment; a nil value removes the variable.
    ///   - directory: the working folder (default: this process's).
    ///   - stdin: written to its standard input, then closed (default: no input).
    ///   - timeout: seconds after which it is killed (SIGKILL) and `timedOut` set.
    static func run(_ executable: String, _ arguments: [String], environment changes: [String: String?] = [:],
                    directory: URL? = nil, stdin: String? = nil, timeout: Double? = nil) throws -> ProcessRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in changes { env[key] = value }
        p.environment = env
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let outData = Collected(), errData = Collected()
        let drained = DispatchGroup()
        for (pipe, data) in [(out, outData), (err, errData)] {
            drained.enter()
            let handle = pipe.fileHandleForReading
            Thread {
                while true {
                    let d = handle.availableData
                    if d.isEmpty { break }
                    data.append(d)
                }
                drained.leave()
            }.start()
        }
        try p.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        var timedOut = false
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while p.isRunning {
                if Date() > deadline {
                    timedOut = true
                    kill(p.processIdentifier, SIGKILL)
                    break
                }
                usleep(10_000)
            }
        }
        p.waitUntilExit()
        // A killed program's children may hold the pipes open: do not wait for them forever.
        _ = drained.wait(timeout: .now() + (timedOut ? 5 : 600))
        return ProcessRun(status: p.terminationStatus, stdout: outData.text, stderr: errData.text, timedOut: timedOut)
    }

    /// Runs the package's built executable `name` (`inward`, `inwardd`), found by `Products`.
    static func product(_ name: String, _ arguments: [String], environment changes: [String: String?] = [:],
                        directory: URL? = nil, stdin: String? = nil, timeout: Double? = nil) throws -> ProcessRun {
        try run(try Products.executable(name), arguments, environment: changes, directory: directory, stdin: stdin,
                timeout: timeout)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }
}
