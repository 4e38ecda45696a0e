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

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Writes `plans` (file name -> TOML) and `files` and starts the daemon.
    /// - Parameters:
    ///   - device: the ALSA PCM; `room` (the default) is a file PCM over null
    ///     writing `capture`. Another device needs its `environment`.
    init(plans planFiles: [String: String], pace: Double?, device: String = "room",
         environment: [String: String]? = nil, extraArguments: [String] = [],
         prepare: (URL) throws -> Void = { _ in }) throws {
        directory = TestAudio.temporaryDirectory("inwardd")
        socket = directory.appendingPathComponent("control").path
        capture = directory.appendingPathComponent("room.wav").path
        plans = directory.appendingPathComponent("plans")
        state = directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: plans, withIntermediateDirectories: true)
        for (name, text) in planFiles {
            try text.write(to: plans.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try prepare(plans)
        let asoundrc = directory.appendingPathComponent("asoundrc").path
        try "pcm.room { type file slave.pcm \"null\" file \"\(capture)\" format \"wav\" }\n"
            .write(toFile: asoundrc, atomically: true, encoding: .utf8)

        process.executableURL = URL(fileURLWithPath: try Products.executable("inwardd"))
        var arguments = ["--socket", socket, "--state-dir", state.path, "--plans", plans.path, "--device", device,
                         "--format", "s16"]
        if let pace { arguments += ["--pace", String(pace)] }
        process.arguments = arguments + extraArguments
        var env = environment ?? ProcessInfo.processInfo.environment
        if environment == nil { env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(asoundrc)" }
        env["HOME"] = directory.path
        process.environment = env
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        // Ready when the socket answers.
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if (try? VarlinkTestClient(path: socket)) != nil { return }
            if !process.isRunning { break }
            usleep(20_000)
        }
        let log = String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self)
        process.terminate()
        throw Failure(description: "inwardd did not start listening on \(socket): \(log)")
    }

    func client() throws -> VarlinkTestClient { try VarlinkTestClient(path: socket) }

    /// SIGTERM, then waits for the exit; returns the exit status and stderr.
    @discardableResult
    func terminate() -> (status: Int32, log: String) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let log = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, log)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

extension VarlinkReply {
    /// The reply's parameters as an object.
    var object: JSONObject { parameters?.objectValue ?? [:] }
}
