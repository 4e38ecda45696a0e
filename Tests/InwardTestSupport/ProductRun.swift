import Foundation

/// A finished run of one of the package's executables (`inward`, `inwardd`),
/// for tests that go through the real binary.
struct ProductRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout ---\n\(stdout.prefix(3000))\n--- stderr ---\n\(stderr.prefix(2000))" }

    /// Runs `name` with `arguments` to the end, with no standard input.
    /// - Parameter environment: changes to this process's environment; a nil
    ///   value removes the variable.
    static func run(_ name: String, _ arguments: [String], environment changes: [String: String?] = [:]) throws -> ProductRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Products.executable(name))
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in changes { env[key] = value }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Both pipes at once, so neither can fill up and block the child.
        let errData = ErrorBuffer()
        let done = DispatchSemaphore(value: 0)
        Thread {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        done.wait()
        return ProductRun(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// Written by one thread before the semaphore it signals; read after.
    private final class ErrorBuffer: @unchecked Sendable {
        var data = Data()
    }
}
