import ArgumentParser
import Foundation
import InwardLog
import InwardReview

/// Where session logs live and how a SESSION|FILE argument finds one.
enum SessionLogs {
    /// `--state-dir`, else `INWARD_STATE_DIR`, else room `--room`/`INWARD_ROOM`'s
    /// `/var/lib/inward/ROOM`, else `/var/lib/inward` as root, else
    /// `$XDG_STATE_HOME/inward` or `~/.local/state/inward` (DESIGN.md).
    static func stateDir(_ option: String?, room: String?) -> String {
        if let option, !option.isEmpty { return option }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["INWARD_STATE_DIR"], !dir.isEmpty { return dir }
        if let room = Room.chosen(room, environment: env) { return Room.stateDirectory(room) }
        let standard: String
        if geteuid() == 0 {
            standard = "/var/lib/inward"
        } else if let xdg = env["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            standard = xdg + "/inward"
        } else {
            standard = (env["HOME"] ?? NSHomeDirectory()) + "/.local/state/inward"
        }
        // As for the socket: with no sessions in the usual place and one room's
        // daemon running, that room's.
        let rooms = Room.running()
        if !FileManager.default.fileExists(atPath: standard + "/sessions"), rooms.count == 1 {
            return Room.stateDirectory(rooms[0])
        }
        return standard
    }

    static func sessionsDir(_ option: String?, room: String?) -> String { stateDir(option, room: room) + "/sessions" }

    /// A path to an existing file, or the log of session id `argument` in the state folder.
    static func resolve(_ argument: String, stateDir option: String?, room: String?) throws -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDir), !isDir.boolValue { return argument }
        let dir = sessionsDir(option, room: room)
        let candidate = dir + "/" + argument + (argument.hasSuffix(".jsonl") ? "" : ".jsonl")
        if !argument.contains("/"), FileManager.default.fileExists(atPath: candidate) { return candidate }
        Terminal.errLine("inward: '\(argument)' is neither a log file nor a session in \(dir) (`inward sessions` lists them)")
        throw ExitCode(2)
    }

    static func read(_ path: String) throws -> LogContents {
        do {
            return try LogReader.read(contentsOf: path)
        } catch {
            Terminal.errLine("inward: \(error)")
            throw ExitCode(2)
        }
    }
}
