import Foundation
public import InwardAudio
import InwardCore
import TOMLKit

/// `inwardd`'s settings: built-in defaults, then the config file, then the
/// command line, each overriding the one before.
public struct DaemonConfig: Sendable, Equatable {
    public var socket: String
    public var socketGroup: String?
    /// A second, read-only socket for observers (Status, Monitor, ListPlans and
    /// org.varlink.service only), and the group that may connect to it; nil: none.
    public var observeSocket: String?
    public var observeGroup: String?
    /// How long a record may stay open in aftercare (from the session's start)
    /// before the next daemon start closes it as not discharged.
    public var maxRecordOpenSeconds = ResumeState.defaultMaxOpenSeconds
    public var stateDirectory: String
    public var device = "default"
    /// The room's `[[output]]` entries; empty: one output, `main`, on `device`.
    public var outputs: [RoomOutput] = []
    /// The outputs a session plays to: the `[[output]]` entries, or `main` on `device`.
    public var roomOutputs: [RoomOutput] { outputs.isEmpty ? [RoomOutput(name: RoomOutput.mainName, device: device)] : outputs }
    /// Sample format for the device (s16, s32, float); nil negotiates the best it takes.
    public var format: SampleFormat?
    public var plansDirectories: [String] = []
    /// `Start` may take a plan file outside the plan folders, but only from a
    /// caller who could read any file the daemon can: root, or the daemon's
    /// own user. Staff (the socket's group) never. Config file only.
    public var allowPlansAnywhere = false
    /// Folders a client's own playlists (and their tracks) may come from,
    /// besides the plan folders (`music`; see `MusicFolders`).
    public var musicDirectories: [String] = []
    public var pace: Double?
    public var sampleRate = 48000
    /// ALSA period and buffer, frames; nil: chosen per kind of device
    /// (`DeviceBuffering`: deep on a device that can rewind, else the two below).
    public var periodFrames: Int?
    public var bufferFrames: Int?
    /// soxr's quality for tracks whose rate is not the device's (`resampler`).
    public var resampler = Resampler.Quality.roomDefault
    /// Wake-ups every 43 ms at 48 kHz on a device that cannot rewind.
    public static let defaultPeriodFrames = DeviceBuffering.plain.periodFrames
    /// Four periods, 171 ms at 48 kHz: a level control is heard within the
    /// device buffer, under 250 ms end to end through PulseAudio (the
    /// real-time latency test measures it).
    public static let defaultBufferFrames = DeviceBuffering.plain.bufferFrames
    /// What `period` and `buffer` (frames) may be, in the config file or as options.
    public static let periodRange = 16...65536
    public static let bufferRange = 32...262_144

    /// Defaults for root (a system service) or a user, or for one treatment
    /// room of a clinic (`inwardd --room NAME`, the systemd template
    /// `inwardd@NAME`): socket `/run/inward/NAME/control`, state
    /// `/var/lib/inward/NAME`. systemd's `$STATE_DIRECTORY` (StateDirectory=)
    /// is the state folder whenever it is set.
    public static func defaults(environment: [String: String]? = nil, room: String? = nil) -> DaemonConfig {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let root = getuid() == 0
        let home = environment["HOME"] ?? "/tmp"
        // The same place the CLI looks when XDG_RUNTIME_DIR is not set.
        let runtime = environment["XDG_RUNTIME_DIR"] ?? "/run/user/\(getuid())"
        let state = environment["XDG_STATE_HOME"] ?? "\(home)/.local/state"
        var plans: [String] = []
        for dir in ["/etc/inward/plans", installedPlans, "/usr/share/inward/plans"].compactMap({ $0 })
        where FileManager.default.fileExists(atPath: dir) && !plans.contains(dir) {
            plans.append(dir)
        }
        var config: DaemonConfig
        if let room {
            config = DaemonConfig(socket: "/run/inward/\(room)/control", stateDirectory: "/var/lib/inward/\(room)",
                                  plansDirectories: plans)
        } else {
            config = DaemonConfig(socket: root ? "/run/inward/control" : "\(runtime)/inward/control",
                                  stateDirectory: root ? "/var/lib/inward" : "\(state)/inward",
                                  plansDirectories: plans)
        }
        // systemd may list several folders separated by ':'; the first is this service's.
        if let systemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first, systemd.hasPrefix("/") {
            config.stateDirectory = String(systemd)
        }
        return config
    }

    /// The shipped plans beside this executable: `PREFIX/share/inward/plans`
    /// for `PREFIX/bin/inwardd`, whatever the install prefix.
    static var installedPlans: String? {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        guard exe.path != "/proc/self/exe" else { return nil }
        return exe.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/inward/plans").standardizedFileURL.path
    }

    /// The config files read for `room`, in order, later ones overriding:
    /// `/etc/inward/inwardd.toml`, then `/etc/inward/rooms/ROOM.toml`, each when present.
    public static func files(room: String?, root: String = "/etc/inward") -> [String] {
        var files = ["\(root)/inwardd.toml"]
        if let room { files.append("\(root)/rooms/\(room).toml") }
        return files.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Nil when `name` can name a room (it becomes part of paths and unit
    /// names); else why not.
    public static func roomNameProblem(_ name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        if name.isEmpty || name.count > 64 { return "must be 1 to 64 characters" }
        if name.hasPrefix(".") || name.hasPrefix("-") { return "must not start with '.' or '-'" }
        if let bad = name.first(where: { !allowed.contains($0) }) {
            return "may hold letters, digits, '-', '_' and '.', not '\(bad)'"
        }
        return nil
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    static let keys: Set<String> = ["socket", "socket_group", "state_dir", "device", "format", "plans", "pace", "sample_rate",
                                    "period", "buffer", "observe_socket", "observe_group", "max_record_open",
                                    "allow_plans_anywhere", "music", "output", "resampler"]

    /// ":LINE" of `key` in the `entry`th `[[output]]` of `text` (its header
    /// line when the key is not written), or "" when not found.
    static func outputLine(_ text: String, entry: Int?, key: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let headers = lines.indices.filter { lines[$0].hasPrefix("[[output]]") }
        guard let entry, entry < headers.count else {
            return headers.first.map { ":\($0 + 1)" } ?? ""
        }
        let start = headers[entry]
        var n = start + 1
        while n < lines.count, !lines[n].hasPrefix("[") {
            if lines[n].hasPrefix(key + " ") || lines[n].hasPrefix(key + "=") { return ":\(n + 1)" }
            n += 1
        }
        return ":\(start + 1)"
    }

    /// Applies the settings in the TOML file at `path`.
    public mutating func load(file path: String) throws(Invalid) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Invalid(description: "\(path): cannot read the config file; check the path and its permissions")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Invalid(description: "\(path):\(error.source.begin.line): \(error.description)")
        } catch {
            throw Invalid(description: "\(path): \(error)")
        }
        func line(_ key: String) -> String {
            let n = text.split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key) }
            return n.map { ":\($0 + 1)" } ?? ""
        }
        func bad(_ key: String, _ what: String) -> Invalid {
            Invalid(description: "\(path)\(line(key)): \(key): \(what)")
        }
        for key in table.keys where !Self.keys.contains(key) {
            throw bad(key, "unknown setting; known ones are \(Self.keys.sorted().joined(separator: ", "))")
        }
        func string(_ key: String) throws(Invalid) -> String? {
            guard let v = table[key] else { return nil }
            guard let s = v.string else { throw bad(key, "must be a string") }
            return s
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int? {
            guard let v = table[key] else { return nil }
            guard let i = v.int, range.contains(i) else { throw bad(key, "must be a whole number in \(range)") }
            return i
        }
        if let v = try string("socket") { socket = v }
        if let v = try string("socket_group") { socketGroup = v }
        if let v = try string("observe_socket") { observeSocket = v }
        if let v = try string("observe_group") { observeGroup = v }
        if let v = try string("max_record_open") {
            guard let seconds = DurationText.parse(v), seconds >= 3600 else {
                throw bad("max_record_open", "must be a duration of at least 1h, e.g. \"8h\"")
            }
            maxRecordOpenSeconds = seconds
        }
        if let v = try string("state_dir") { stateDirectory = v }
        if let v = try string("device") {
            device = v
            outputs = []   // a later file's single device replaces an earlier file's outputs
        }
        if let v = table["output"] {
            if table["device"] != nil {
                throw bad("device", "give either one device or [[output]] entries, not both; an output has its own device")
            }
            outputs = try RoomOutput.parse(v) { index, key, what in
                Invalid(description: "\(path)\(Self.outputLine(text, entry: index, key: key)): output\(index.map { "[\($0)]" } ?? "").\(key): \(what)")
            }
            if let first = outputs.first { device = first.device }
        }
        if let v = try string("format") {
            guard let f = SampleFormat(rawValue: v) else { throw bad("format", "must be s16, s32 or float") }
            format = f
        }
        if let v = table["plans"] {
            guard let list = v.array?.compactMap({ $0.string }), list.count == v.array?.count else {
                throw bad("plans", "must be a list of folder paths")
            }
            plansDirectories = list
        }
        if let v = table["allow_plans_anywhere"] {
            guard let b = v.bool else { throw bad("allow_plans_anywhere", "must be true or false") }
            allowPlansAnywhere = b
        }
        if let v = table["music"] {
            let list = v.string.map { [$0] } ?? v.array?.compactMap { $0.string }
            guard let list, list.count == (v.array?.count ?? 1) else {
                throw bad("music", "must be a folder path or a list of them, e.g. [\"/srv/inward/music\"]")
            }
            for folder in list {
                if let problem = MusicFolders.folderProblem(folder) { throw bad("music", problem) }
            }
            musicDirectories = list
        }
        if let v = table["pace"] {
            guard let d = v.double ?? v.int.map(Double.init), d > 0 else { throw bad("pace", "must be a positive number") }
            pace = d
        }
        if let v = try int("sample_rate", 8000...192_000) { sampleRate = v }
        if let v = try int("period", Self.periodRange) { periodFrames = v }
        if let v = try int("buffer", Self.bufferRange) { bufferFrames = v }
        if let v = table["resampler"] {
            guard let q = v.string.flatMap(Resampler.Quality.init(name:)) else {
                throw bad("resampler", "\(v.debugDescription) is not a soxr quality; use one of \(Resampler.Quality.names)")
            }
            resampler = q
        }
    }
}
