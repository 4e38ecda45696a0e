@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One daemon per treatment room: `inwardd --room NAME` and `inward --room NAME`
/// meet on `/run/inward/NAME/control` with no paths given, and systemd's
/// `$STATE_DIRECTORY` is where the session logs go.
@Suite("rooms", .serialized)
struct RoomTests {
    func inward(_ arguments: [String], environment: [String: String?] = [:]) throws -> ProcessRun {
        try ProcessRun.product("inward", arguments, environment: environment)
    }

    @Test("inwardd --room and inward --room (or INWARD_ROOM) find each other with no paths given; logs go to $STATE_DIRECTORY")
    func roomDaemonAndClient() throws {
        let room = "test-\(UUID().uuidString.prefix(8).lowercased())"
        let dir = TestAudio.temporaryDirectory("room")
        let plans = dir.appendingPathComponent("plans")
        try FileManager.default.createDirectory(at: plans, withIntermediateDirectories: true)
        try SessionLogTests.plan.write(to: plans.appendingPathComponent("logged.toml"), atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state").path
        let runDir = "/run/inward/\(room)"
        defer {
            try? FileManager.default.removeItem(atPath: runDir)
            rmdir("/run/inward")   // only when the test made it and left it empty
        }

        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: try Products.executable("inwardd"))
        daemon.arguments = ["--room", room, "--plans", plans.path, "--device", "null", "--pace", "20"]
        var env = ProcessInfo.processInfo.environment
        env["STATE_DIRECTORY"] = state
        daemon.environment = env
        let err = Pipe()
        daemon.standardError = err
        try daemon.run()
        defer {
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
            daemon.waitUntilExit()
        }
        let socket = runDir + "/control"
        let deadline = Date().addingTimeInterval(TestTime.scaled(15))
        while access(socket, F_OK) != 0 && Date() < deadline && daemon.isRunning { usleep(20_000) }
        #expect(access(socket, F_OK) == 0, "inwardd --room \(room) made no socket at \(socket)")

        // The CLI finds the room by name, by INWARD_ROOM, and alone.
        let byOption = try inward(["--room", room, "status"])
        #expect(byOption.status == 0, "inward --room: \(byOption.stderr)")
        #expect(byOption.stdout.contains("idle"), "status: \(byOption.stdout)")
        let byEnv = try inward(["start", "logged", "--client", "R-001"], environment: ["INWARD_ROOM": room])
        #expect(byEnv.status == 0, "INWARD_ROOM start: \(byEnv.stderr)")

        // The log is in $STATE_DIRECTORY, not in /var/lib/inward/ROOM.
        let sessions = (try? FileManager.default.contentsOfDirectory(atPath: state + "/sessions")) ?? []
        #expect(sessions.count == 1 && sessions[0].hasSuffix(".jsonl"), "logs in \(state)/sessions: \(sessions)")
        #expect(!FileManager.default.fileExists(atPath: "/var/lib/inward/\(room)"))
        let listed = try inward(["sessions", "--state-dir", state])
        #expect(listed.status == 0 && listed.stdout.contains("R-001"), "sessions: \(listed.stdout) \(listed.stderr)")

        // A room nobody runs: the error names the room's socket and unit.
        let absent = try inward(["--room", room + "-absent", "status"])
        #expect(absent.status == 3)
        #expect(absent.stderr.contains("/run/inward/\(room)-absent/control"), "\(absent.stderr)")
        #expect(absent.stderr.contains("inwardd@\(room)-absent"), "\(absent.stderr)")

        let stop = try inward(["--room", room, "stop"])
        #expect(stop.status == 0, "stop: \(stop.stderr)")
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }

    @Test("with one room's daemon running and no room named, `inward sessions` reads that room's logs, as status finds its socket")
    func theOnlyRoomsSessions() throws {
        try #require(!FileManager.default.fileExists(atPath: "/var/lib/inward/sessions"),
                     "this machine has sessions in /var/lib/inward/sessions, which `inward sessions` rightly prefers")
        let room = "test-\(UUID().uuidString.prefix(8).lowercased())"
        let dir = TestAudio.temporaryDirectory("only-room")
        try SessionLogTests.plan.write(to: dir.appendingPathComponent("logged.toml"), atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: "/run/inward/\(room)")
            rmdir("/run/inward")
            try? FileManager.default.removeItem(atPath: "/var/lib/inward/\(room)")
            rmdir("/var/lib/inward")   // only when the test made it and left it empty
        }
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: try Products.executable("inwardd"))
        daemon.arguments = ["--room", room, "--plans", dir.path, "--device", "null", "--pace", "20"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "STATE_DIRECTORY")
        daemon.environment = env
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer {
            if daemon.isRunning { kill(daemon.processIdentifier, SIGTERM) }
            daemon.waitUntilExit()
        }
        let socket = "/run/inward/\(room)/control"
        let deadline = Date().addingTimeInterval(TestTime.scaled(15))
        while access(socket, F_OK) != 0 && Date() < deadline && daemon.isRunning { usleep(20_000) }
        let plain: [String: String?] = ["INWARD_ROOM": nil, "INWARD_SOCKET": nil, "INWARD_STATE_DIR": nil]
        let start = try ProcessRun.product("inward", ["start", "logged", "--client", "R-ONLY"], environment: plain)
        #expect(start.status == 0, "\(start)")
        let listed = try ProcessRun.product("inward", ["sessions"], environment: plain)
        #expect(listed.status == 0 && listed.stdout.contains("R-ONLY"), "\(listed)")
        _ = try ProcessRun.product("inward", ["stop"], environment: plain)
    }

    @Test("out-of-range --pace, --period and --buffer are refused at start-up, naming the option",
          arguments: [["--pace=0"], ["--pace=-2"], ["--period", "0"], ["--buffer", "9"]])
    func badOptionValues(_ options: [String]) throws {
        let r = try ProcessRun.product("inwardd", options + ["--device", "null", "--socket", "/nonexistent/control"])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(options[0].split(separator: "=")[0]), "\(r)")
    }

    @Test("a room name that could escape its folder or unit is refused, naming the rule", arguments: ["../etc", "a/b", ".hidden", "-x", ""])
    func badRoomNames(_ name: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Products.executable("inwardd"))
        p.arguments = ["--room", name, "--device", "null"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 64, "inwardd --room '\(name)' exited \(p.terminationStatus): \(text)")
        #expect(text.contains("--room"), "\(text)")
    }
}
