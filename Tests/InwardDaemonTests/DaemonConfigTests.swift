import Foundation
@testable import InwardDaemon
import Testing

/// The daemon's settings for a treatment room: which files, in which order,
/// and where systemd's folders win.
@Suite("DaemonConfig: rooms and systemd's folders")
struct DaemonConfigTests {
    func temporaryRoot() throws -> String {
        var template = Array("/tmp/inward-etc-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        return String(cString: dir)
    }

    @Test("a room reads inwardd.toml, then rooms/ROOM.toml over it; each only when present")
    func roomConfigLayers() throws {
        let root = try temporaryRoot()
        try FileManager.default.createDirectory(atPath: root + "/rooms", withIntermediateDirectories: true)
        try "device = \"hw:CARD=Clinic\"\nsocket_group = \"inward\"\n"
            .write(toFile: root + "/inwardd.toml", atomically: true, encoding: .utf8)
        try "device = \"hw:CARD=Room2\"\n".write(toFile: root + "/rooms/room2.toml", atomically: true, encoding: .utf8)

        let files = DaemonConfig.files(room: "room2", root: root)
        #expect(files == [root + "/inwardd.toml", root + "/rooms/room2.toml"])
        #expect(DaemonConfig.files(room: "room3", root: root) == [root + "/inwardd.toml"])
        #expect(DaemonConfig.files(room: nil, root: root) == [root + "/inwardd.toml"])
        #expect(DaemonConfig.files(room: "room2", root: root + "/nowhere").isEmpty)

        var settings = DaemonConfig.defaults(environment: [:], room: "room2")
        for file in files { try settings.load(file: file) }
        #expect(settings.device == "hw:CARD=Room2")
        #expect(settings.socketGroup == "inward")
        #expect(settings.socket == "/run/inward/room2/control")
        #expect(settings.stateDirectory == "/var/lib/inward/room2")
    }

    @Test("systemd's $STATE_DIRECTORY is the state folder, for a room or not; the config file still overrides it")
    func stateDirectoryFromSystemd() throws {
        let env = ["STATE_DIRECTORY": "/var/lib/inward/room2:/var/lib/other", "HOME": "/home/x"]
        #expect(DaemonConfig.defaults(environment: env, room: "room2").stateDirectory == "/var/lib/inward/room2")
        #expect(DaemonConfig.defaults(environment: env).stateDirectory == "/var/lib/inward/room2")
        #expect(DaemonConfig.defaults(environment: ["STATE_DIRECTORY": "relative"], room: "r").stateDirectory == "/var/lib/inward/r")
        let root = try temporaryRoot()
        try "state_dir = \"/srv/inward\"\n".write(toFile: root + "/inwardd.toml", atomically: true, encoding: .utf8)
        var settings = DaemonConfig.defaults(environment: env, room: "room2")
        try settings.load(file: root + "/inwardd.toml")
        #expect(settings.stateDirectory == "/srv/inward")
    }

    @Test("room names that would escape a folder or a unit name are refused", arguments: [
        ("room2", nil), ("Theta_1.b", nil), ("a/../b", "not '/'"), ("../etc", "must not start"), ("a b", "not ' '"), (".x", "must not start"),
        ("-x", "must not start"), ("", "1 to 64"), (String(repeating: "r", count: 65), "1 to 64"),
    ] as [(String, String?)])
    func roomNames(_ name: String, _ problem: String?) {
        let found = DaemonConfig.roomNameProblem(name)
        if let problem {
            #expect(found?.contains(problem) == true, "'\(name)': \(found ?? "accepted")")
        } else {
            #expect(found == nil, "'\(name)': \(found ?? "")")
        }
    }
}

/// The watchdog vouches only for a daemon whose loop turns and whose audio plays.
@Suite("Watchdog checks")
struct WatchdogCheckTests {
    @Test("alive when the loop turned and the audio moved (or no session plays); stuck otherwise, naming what")
    func checks() {
        let before = Watchdog.Check(loopTurns: 10, playedFrames: 48_000)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: 49_024).stuck(since: before) == nil)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: nil).stuck(since: before) == nil)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: 0).stuck(since: .init(loopTurns: 10, playedFrames: nil)) == nil)
        #expect(Watchdog.Check(loopTurns: 10, playedFrames: 49_024).stuck(since: before)?.contains("control loop") == true)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: 48_000).stuck(since: before)?.contains("audio thread") == true)
    }

    @Test("a lost device being retried is alive; a retry that has not returned in 10 s is stuck")
    func lostDevice() {
        let before = Watchdog.Check(loopTurns: 10, playedFrames: 48_000, deviceRetryAge: 0.4)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: 72_000, deviceRetryAge: 0.9).stuck(since: before) == nil)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: 72_000, deviceRetryAge: 9.5).stuck(since: before) == nil)
        #expect(Watchdog.Check(loopTurns: 11, playedFrames: 72_000, deviceRetryAge: 10.5).stuck(since: before)?
            .contains("sound device") == true)
    }
}
