import Foundation
import InwardCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a client's own playlists, and the tracks they list, may come from:
/// the daemon's plan folders and its configured `music` folders. All of them
/// lie outside home directories, which the room's service cannot read under
/// its sandbox (`ProtectHome=yes` hides /home, /root and /run/user), so a
/// file the daemon accepts is one it can still read during the session and
/// after a restart.
///
/// Paths are compared after resolving symbolic links, so a link inside a
/// folder cannot point the daemon elsewhere. A value type used on the
/// control thread.
struct MusicFolders {
    /// The folders as configured (for messages), and their resolved paths.
    let plans: [String]
    let music: [String]
    private let resolved: [String]

    /// Home directories: hidden from the service by its sandbox.
    static let homes = ["/home", "/root", "/run/user"]

    init(plans: [String], music: [String]) {
        self.plans = plans
        self.music = music
        resolved = (plans + music).map { PlanCatalog.realPath($0) ?? PathResolver.normalize($0) }
    }

    /// Nil when `folder` may be a `music` folder; else why not (for the config file).
    static func folderProblem(_ folder: String) -> String? {
        guard folder.hasPrefix("/") else { return "'\(folder)' must be an absolute path, e.g. /srv/inward/music" }
        if let home = homes.first(where: { PathResolver.normalize(folder) == $0 || PathResolver.normalize(folder).hasPrefix($0 + "/") }) {
            return "'\(folder)' is under \(home), which the room's service cannot read under its sandbox (ProtectHome=yes); "
                + "use a folder such as /srv/inward/music"
        }
        return nil
    }

    /// Nil when `path` (resolved through symbolic links) is a file inside
    /// one of the folders; else the refusal, naming `what` ("the playlist
    /// /x.m3u8") and saying where to put it.
    func problem(with path: String, what: String) -> String? {
        guard let real = PlanCatalog.realPath(path) else {
            return "\(what) cannot be read (\(String(cString: strerror(errno)))); check the path"
        }
        if resolved.contains(where: { real.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) { return nil }
        var why = "\(what) is outside the daemon's plan and music folders"
        if Self.homes.contains(where: { real.hasPrefix($0 + "/") }) {
            why += " (in a home directory, which the room's service cannot read under its sandbox)"
        }
        return why + ": " + whereToPut
    }

    /// Where a client's playlists and their tracks belong.
    var whereToPut: String {
        if music.isEmpty {
            return "put the playlist and its tracks in a plan folder (\(plans.joined(separator: ", "))), or set "
                + "`music = [\"/srv/inward/music\"]` in the daemon's config (inwardd.toml) and put them there"
        }
        return "put the playlist and its tracks in a music folder (\(music.joined(separator: ", "))) "
            + "or a plan folder (\(plans.joined(separator: ", ")))"
    }

    /// A relative playlist name looked up in the music folders, then the plan folders.
    func find(_ name: String) -> String? {
        for folder in music + plans {
            let candidate = PathResolver.normalize(folder + "/" + name)
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
