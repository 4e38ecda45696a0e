@testable import InwardTestSupport
import Foundation
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A real `inwardd` in a temporary folder: its own socket, state folder and
/// plan folder, playing into an ALSA file PCM over null (`room`) whose
/// capture the test then measures.
final class DaemonHarness {
    let directory: URL
    let socket: String
    let capture: String
    let plans: URL
    let state: URL
    let process = Process()
    private let stderrPipe = Pipe()
    /// The daemon's stderr, drained as it comes so a chatty daemon never blocks on a full pipe.
    private let log = LogBuffer()

    final class LogBuffer: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private var ended = false
        func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
        func end() { lock.lock(); ended = true; lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
        /// True once the daemon's stderr reached EOF and all of it is in.
        var isComplete: Bool { lock.lock(); defer { lock.unlock() }; return ended }
    }

    /// The daemon's stderr so far.
    var stderr: String { log.text }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Writes `plans` (file name -> TOML) and `files` and starts the daemon.
    /// - Parameters:
    ///   - state: the state folder, to start where another daemon left off (default: a new one).
    ///   - device: the ALSA PCM; `room` (the default) is a file PCM over null
    ///     writing `capture`. Another device needs its `environment`.
    ///   - addingEnvironment: set on top of the daemon's environment, whichever
    ///     it is (e.g. `FaultInjection.slowDisk(milliseconds:)`'s LD_PRELOAD).
    init(plans planFiles: [String: String], pace: Double?, device: String? = "room",
         environment: [String: String]? = nil, addingEnvironment: [String: String] = [:],
         extraArguments: [String] = [], state stateFolder: URL? = nil,
         prepare: (URL) throws -> Void = { _ in }) throws {
        directory = TestAudio.temporaryDirectory("inwardd")
        socket = directory.appendingPathComponent("control").path
        capture = directory.appendingPathComponent("room.wav").path
        plans = directory.appendingPathComponent("plans")
        state = stateFolder ?? directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: plans, withIntermediateDirectories: true)
        for (name, text) in planFiles {
            try text.write(to: plans.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try prepare(plans)
        let asoundrc = directory.appendingPathComponent("asoundrc").path
        try "pcm.room { type file slave.pcm \"null\" file \"\(capture)\" format \"wav\" }\n"
            .write(toFile: asoundrc, atomically: true, encoding: .utf8)

        process.executableURL = URL(fileURLWithPath: try Products.executable("inwardd"))
        // No device: the outputs come from a config file in `extraArguments`.
        var arguments = ["--socket", socket, "--state-dir", state.path, "--plans", plans.path] + (device.map { ["--device", $0] } ?? [])
            + ["--format", "s16"]
        if let pace { arguments += ["--pace", String(pace)] }
        process.arguments = arguments + extraArguments
        var env = environment ?? ProcessInfo.processInfo.environment
        if environment == nil { env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(asoundrc)" }
        env["HOME"] = directory.path
        env.merge(addingEnvironment) { _, added in added }
        process.environment = env
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let handle = stderrPipe.fileHandleForReading
        let sink = log
        Thread {
            while true {
                let d = handle.availableData
                if d.isEmpty { sink.end(); return }
                sink.append(d)
            }
        }.start()

        // Ready when the socket answers.
        let socket = self.socket, process = self.process
        var listening = false
        waitUntil(timeout: 15, every: 0.02) {
            listening = (try? VarlinkTestClient(path: socket)) != nil
            return listening || !process.isRunning
        }
        if listening { return }
        process.terminate()
        process.waitUntilExit()
        waitUntil(timeout: 5) { log.isComplete }
        throw Failure(description: "inwardd did not start listening on \(socket): \(log.text)")
    }

    func client() throws -> VarlinkTestClient { try VarlinkTestClient(path: socket) }

    /// SIGTERM, then waits for the exit; returns the exit status and stderr.
    @discardableResult
    func terminate() -> (status: Int32, log: String) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        waitUntil(timeout: 20, every: 0.02) { !process.isRunning }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // All of stderr, up to its EOF (the drain thread may still be reading).
        waitUntil(timeout: 5) { log.isComplete }
        return (process.terminationStatus, log.text)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

extension DaemonHarness {
    /// Runs the `inward` CLI against this daemon's socket.
    func inward(_ arguments: String...) throws -> ProcessRun {
        try ProcessRun.product("inward", ["--socket", socket] + arguments)
    }

    /// The events of session `id`'s log, every line a JSON object.
    func events(ofSession id: String) throws -> [JSONObject] {
        try SessionLogLines.read(state.appendingPathComponent("sessions/\(id).jsonl").path)
    }
}
