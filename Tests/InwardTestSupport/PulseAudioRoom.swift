import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PulseAudio server with a null sink `room` running on a real-time
/// clock, the ALSA `pulse` plugin pointed at it (PCM `roompulse`), and a
/// recorder on the sink's monitor that timestamps what it hears as it
/// arrives. For latency and pacing tests (TESTING.md); keep them short.
///
/// Clients cannot autospawn a server (`autospawn = no` in the room's own
/// client.conf), so a killed server stays dead until `restart`. With
/// `playerSocket`, the ALSA PCM connects through a socket of its own that
/// `restart` opens only once the recorder is listening again, so nothing
/// played into the room is heard before the recording resumes.
final class PulseAudioRoom: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let directory: URL
    let runtimeDir: URL
    let asoundrc: String
    let rate = 48000
    /// The player's own socket (nil: the server's default one).
    let playerSocket: String?
    private var recorder: Process?
    /// Recorded left-channel samples and, per chunk, (index of its first sample, arrival time).
    let recording = Recording()

    /// The recording behind an NSLock, not `Synchronization.Mutex`: a contended
    /// `Mutex` hands over through a futex ThreadSanitizer cannot see, so the
    /// recorder thread and the test reading it showed as a race that is not one.
    final class Recording: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (samples: [Float], chunks: [(Int, Double)]) = ([], [])

        func withLock<R>(_ body: (inout (samples: [Float], chunks: [(Int, Double)])) throws -> R) rethrows -> R {
            lock.lock()
            defer { lock.unlock() }
            return try body(&value)
        }
    }

    /// Environment for processes that should play into the room.
    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["XDG_RUNTIME_DIR"] = runtimeDir.path
        env["PULSE_SERVER"] = "unix:\(runtimeDir.path)/pulse/native"
        env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(asoundrc)"
        env["XDG_CONFIG_HOME"] = directory.appendingPathComponent("config").path
        env["PULSE_CLIENTCONFIG"] = directory.appendingPathComponent("config/pulse/client.conf").path
        return env
    }

    init(playerSocket separate: Bool = false) throws {
        directory = TestAudio.temporaryDirectory("pulse-room")
        runtimeDir = directory.appendingPathComponent("run")
        playerSocket = separate ? directory.appendingPathComponent("run/player").path : nil
        try FileManager.default.createDirectory(at: runtimeDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let config = directory.appendingPathComponent("config/pulse")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "autospawn = no\n".write(to: config.appendingPathComponent("client.conf"), atomically: true, encoding: .utf8)
        asoundrc = directory.appendingPathComponent("asoundrc").path
        let server = playerSocket.map { " server \"unix:\($0)\"" } ?? ""
        try "pcm.roompulse { type pulse device room\(server) }\nctl.roompulse { type pulse\(server) }\n"
            .write(toFile: asoundrc, atomically: true, encoding: .utf8)
        try startServer()
        if let playerSocket { try openPlayerSocket(playerSocket) }
    }

    private func startServer() throws {
        let status = try run("/usr/bin/pulseaudio", ["-n", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit",
                                                     "--load=module-null-sink sink_name=room rate=48000 channels=2",
                                                     "--load=module-native-protocol-unix"])
        guard status == 0 else { throw Failure(description: "pulseaudio did not start (exit \(status)); is Debian's pulseaudio installed?") }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? run("/usr/bin/pactl", ["info"])) == 0 { return }
            usleep(50_000)
        }
        throw Failure(description: "pulseaudio is not answering on \(runtimeDir.path)")
    }

    private func openPlayerSocket(_ path: String) throws {
        let status = try run("/usr/bin/pactl", ["load-module", "module-native-protocol-unix", "socket=\(path)"])
        guard status == 0 else { throw Failure(description: "pactl could not open the player's socket \(path) (exit \(status))") }
    }

    /// The server's process id (from its pid file), nil when it is not running.
    var serverPID: pid_t? {
        guard let text = try? String(contentsOfFile: runtimeDir.path + "/pulse/pid", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0 else { return nil }
        return pid
    }

    /// Kills the server with SIGKILL (as a crash would) and waits until it is gone.
    func killServer() throws {
        guard let pid = serverPID else { throw Failure(description: "no pulseaudio server to kill") }
        kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(20_000) }
        guard kill(pid, 0) != 0 else { throw Failure(description: "pulseaudio \(pid) survived SIGKILL") }
        if let recorder { recorder.waitUntilExit() }
    }

    /// Starts the server again, then the recorder (its samples go on after
    /// those recorded before), then the player's socket. Returns the index of
    /// the first sample the new recorder records.
    @discardableResult
    func restart() throws -> Int {
        try startServer()
        let first = recording.withLock { $0.samples.count }
        try startRecording()
        let deadline = Date().addingTimeInterval(10)
        while recording.withLock({ $0.samples.count }) == first && Date() < deadline { usleep(10_000) }
        if let playerSocket { try openPlayerSocket(playerSocket) }
        return first
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Starts recording the room's monitor (raw S16, small fragments).
    func startRecording() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/parec")
        p.arguments = ["-d", "room.monitor", "--format=s16le", "--rate=\(rate)", "--channels=2", "--latency-msec=5", "--raw"]
        p.environment = environment
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        recorder = p
        let handle = pipe.fileHandleForReading
        Thread { [self] in
            var carry: [UInt8] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                let now = Date().timeIntervalSince1970
                carry += data
                let frames = carry.count / 4
                guard frames > 0 else { continue }
                var left = [Float](repeating: 0, count: frames)
                carry.withUnsafeBytes { raw in
                    for i in 0..<frames {
                        left[i] = Float(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int16.self)) / 32768
                    }
                }
                carry.removeFirst(frames * 4)
                recording.withLock { r in
                    r.chunks.append((r.samples.count, now))
                    r.samples += left
                }
            }
        }.start()
    }

    /// Arrival time of recorded sample `index` (interpolated within its chunk:
    /// a chunk's last sample arrived when the chunk did).
    func arrival(of index: Int) -> Double? {
        recording.withLock { r in
            guard let k = r.chunks.lastIndex(where: { $0.0 <= index }) else { return nil }
            let end = k + 1 < r.chunks.count ? r.chunks[k + 1].0 : r.samples.count
            return r.chunks[k].1 - Double(end - 1 - index) / Double(rate)
        }
    }

    func stop() {
        if let recorder, recorder.isRunning { recorder.terminate() }
        _ = try? run("/usr/bin/pulseaudio", ["--kill"])
    }

    deinit { stop() }
}
