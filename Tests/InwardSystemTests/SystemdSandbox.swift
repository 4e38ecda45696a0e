@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Running a program with a deadline, for the systemd tests: output
/// captured, killed (and reported) if it outlives `timeout`.
enum SystemdProcess {
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double = 60) throws -> ProcessRun {
        try ProcessRun.run(executable, arguments, environment: environment, timeout: timeout)
    }
}

/// A real systemd 252 booted as PID 1 in private mount, PID, UTS and network
/// namespaces on a tmpfs overlay of `/` (scripts/systemd-sandbox, TESTING.md),
/// with Inward installed into it by `scripts/install --skip-build` from the
/// freshly built debug binaries, plus a room `room1` whose config plays into
/// an ALSA file PCM over null at `pace` times real time.
///
/// Everything it does stays in the overlay; `shutdown()` kills its PID 1 and
/// the namespace goes with it.
final class SystemdSandbox: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static let room = "room1"
    /// The room's control socket inside the sandbox.
    static var socket: String { "/run/inward/\(room)/control" }
    static var service: String { "inwardd@\(room).service" }
    static var socketUnit: String { "inwardd@\(room).socket" }

    let directory: URL
    let payload: URL
    let run: URL
    /// The sandbox's PID 1 as seen from the test.
    let pid: pid_t
    /// From launching the sandbox to `systemctl is-system-running` answering `running`.
    let bootSeconds: Double
    private let launcher: Process

    /// The command line that runs `arguments` inside the sandbox, as `user` if given.
    func inside(_ arguments: [String], user: String? = nil) -> [String] {
        var command = ["-t", "\(pid)", "-m", "-p", "-u", "--"]
        if let user {
            // The user's own groups from the sandbox's /etc/group, nothing inherited from root.
            command += ["setpriv", "--reuid=\(user)", "--regid=\(user)", "--init-groups", "--reset-env"]
        }
        return command + arguments
    }

    /// - Parameters:
    ///   - install: install Inward with `scripts/install` (else only the room's
    ///     config goes in, for a test that installs a package itself).
    ///   - files: more files for the payload, by path inside the sandbox.
    init(pace: Double = 20, install: Bool = true, files: [String: URL] = [:]) throws {
        guard getuid() == 0 else {
            throw Failure(description: "booting systemd in a sandbox needs root (mount and PID namespaces); CI runs as root")
        }
        for tool in ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/setpriv", "/lib/systemd/systemd", "/usr/bin/systemd-sysusers"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw Failure(description: "\(tool) is missing: scripts/install-deps installs systemd, util-linux and passwd")
        }
        directory = TestAudio.temporaryDirectory("systemd-sandbox")
        payload = directory.appendingPathComponent("payload")
        run = directory.appendingPathComponent("run")
        let root = Products.packageRoot
        if install {
            let bin = directory.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            for exe in ["inward", "inwardd"] {
                try FileManager.default.copyItem(atPath: try Products.executable(exe), toPath: bin.appendingPathComponent(exe).path)
            }

            // Install exactly as a clinic would, into the payload that becomes the sandbox's /.
            let install = try SystemdProcess.run(root.appendingPathComponent("scripts/install").path,
                                                 ["--skip-build", "--bin-dir", bin.path, "--destdir", payload.path])
            guard install.status == 0 else { throw Failure(description: "scripts/install failed: \(install)") }
        } else {
            try FileManager.default.createDirectory(at: payload.appendingPathComponent("etc/inward/rooms"),
                                                    withIntermediateDirectories: true)
        }
        for (path, source) in files {
            let target = payload.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }

        // The room: ALSA's file PCM over null (no sound card here), paced, S16 for the WAV header.
        let etc = payload.appendingPathComponent("etc")
        try """
            # room1 in the test sandbox: no sound card, so a file PCM over null.
            device = "room"
            format = "s16"
            pace = \(pace)
            """.write(to: etc.appendingPathComponent("inward/rooms/\(Self.room).toml"), atomically: true, encoding: .utf8)
        // PrivateTmp= gives the daemon its own /tmp: the capture lands there.
        try "pcm.room { type file slave.pcm \"null\" file \"/tmp/room.wav\" format \"wav\" }\n"
            .write(to: etc.appendingPathComponent("asound.conf"), atomically: true, encoding: .utf8)
        for dir in [payload, etc, etc.appendingPathComponent("inward"), etc.appendingPathComponent("inward/rooms")] {
            chmod(dir.path, 0o755)
        }
        for file in [etc.appendingPathComponent("asound.conf"), etc.appendingPathComponent("inward/rooms/\(Self.room).toml")] {
            chmod(file.path, 0o644)
        }

        let started = Date()
        launcher = Process()
        launcher.executableURL = root.appendingPathComponent("scripts/systemd-sandbox")
        launcher.arguments = ["--payload", payload.path, "--run", run.path]
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle.nullDevice
        try launcher.run()

        var found: pid_t = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOf: run.appendingPathComponent("pid"), encoding: .utf8),
               let p = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = p
                break
            }
            if !launcher.isRunning { break }
            usleep(10_000)
        }
        pid = found
        guard found > 0 else {
            let console = (try? String(contentsOf: run.appendingPathComponent("console.log"), encoding: .utf8)) ?? ""
            throw Failure(description: "the sandbox did not start: \(console)")
        }
        // systemd answers once it has exec'd and set up its private socket; then wait for the boot to finish.
        var state = ""
        while Date() < deadline {
            let r = try SystemdProcess.run("/usr/bin/nsenter",
                                           ["-t", "\(found)", "-m", "-p", "-u", "--", "systemctl", "is-system-running", "--wait"],
                                           timeout: 20)
            state = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if state == "running" || state == "degraded" { break }
            if kill(found, 0) != 0 { break }
            usleep(20_000)
        }
        bootSeconds = Date().timeIntervalSince(started)
        guard state == "running" || state == "degraded" else {
            let console = (try? String(contentsOf: run.appendingPathComponent("console.log"), encoding: .utf8)) ?? ""
            kill(found, SIGKILL)
            throw Failure(description: "systemd in the sandbox did not finish booting (state '\(state)'): \(console.suffix(3000))")
        }
    }

    /// Runs `arguments` inside the sandbox (as `user` when given).
    @discardableResult
    func exec(_ arguments: [String], user: String? = nil, timeout: Double = 30) throws -> ProcessRun {
        try SystemdProcess.run("/usr/bin/nsenter", inside(arguments, user: user), timeout: timeout)
    }

    @discardableResult
    func systemctl(_ arguments: String...) throws -> ProcessRun {
        try exec(["systemctl", "--no-pager"] + arguments)
    }

    /// `systemctl show` properties of `unit`.
    func show(_ unit: String, _ properties: [String]) throws -> [String: String] {
        let r = try exec(["systemctl", "show", unit] + properties.flatMap { ["-p", $0] })
        var values: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return values
    }

    func mainPID(_ unit: String = SystemdSandbox.service) throws -> Int {
        Int(try show(unit, ["MainPID"])["MainPID"] ?? "") ?? 0
    }

    /// `inward --socket <room1's socket> ARGS` inside the sandbox.
    @discardableResult
    func inward(_ arguments: [String], user: String? = nil, timeout: Double = 30) throws -> ProcessRun {
        // The first command after a socket start waits for the (debug) daemon to come up.
        try exec(["/usr/bin/inward", "--socket", Self.socket, "--timeout", "20"] + arguments, user: user, timeout: timeout)
    }

    /// The unit's journal in the sandbox, for failure messages.
    func journal(_ unit: String = SystemdSandbox.service, lines: Int = 80) -> String {
        let r = try? exec(["journalctl", "--no-pager", "-n", "\(lines)", "-u", unit])
        return "journalctl -u \(unit) in the sandbox:\n" + (r?.stdout ?? "(journalctl failed)") + (r?.stderr ?? "")
    }

    /// Polls `condition` every 100 ms until it holds or `seconds` pass.
    func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            usleep(100_000)
        } while Date() < deadline
        return try condition()
    }

    /// A file's "mode owner:group" inside the sandbox, e.g. `660 root:inward`.
    func stat(_ path: String) throws -> String {
        try exec(["stat", "-c", "%a %U:%G", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Kills the sandbox's PID 1: every process in it dies with the namespace.
    func shutdown() {
        if pid > 0 { kill(pid, SIGKILL) }
        let deadline = Date().addingTimeInterval(10)
        while launcher.isRunning && Date() < deadline { usleep(20_000) }
        if launcher.isRunning { launcher.terminate() }
        // The payload holds copies of the debug binaries: do not leave them behind.
        if !launcher.isRunning { try? FileManager.default.removeItem(at: directory) }
    }

    deinit { shutdown() }
}

/// Boots one sandbox for a whole suite and kills it when the suite ends,
/// whatever its tests did: `@Suite(.systemdSandbox)`; tests take it from
/// `SystemdSandbox.current`.
struct SystemdSandboxTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let sandbox: Result<SystemdSandbox, any Error> = Result { try SystemdSandbox() }
        defer { if case .success(let s) = sandbox { s.shutdown() } }
        try await SystemdSandbox.$current.withValue(sandbox) {
            try await function()
        }
    }
}

extension Trait where Self == SystemdSandboxTrait {
    static var systemdSandbox: Self { SystemdSandboxTrait() }
}

extension SystemdSandbox {
    /// The suite's sandbox, or why it could not boot (each test then fails with that reason).
    @TaskLocal static var current: Result<SystemdSandbox, any Error>?

    static func shared() throws -> SystemdSandbox {
        guard let current else { throw Failure(description: "no sandbox: the suite needs the .systemdSandbox trait") }
        return try current.get()
    }
}
