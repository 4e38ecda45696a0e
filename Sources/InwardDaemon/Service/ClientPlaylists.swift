import Foundation
import InwardAudio
import InwardCore
import InwardLog
import InwardProtocol

/// A client's own playlists, given with Start (`playlists`: phase name to an
/// M3U8 file): checked against the music folders, read and hashed, and put in
/// place of their phases' sources. A restarted daemon reads them again from
/// the saved state and goes on only if they are unchanged. Called on the
/// control thread (Start) or before the socket is served (a resume).
extension SessionService {
    /// The folders a client's playlists may come from.
    var musicFolders: MusicFolders {
        MusicFolders(plans: configuration.daemon.plansDirectories, music: configuration.daemon.musicDirectories)
    }

    /// Puts the requested playlists (`playlists` of Start) into `loaded`;
    /// throws InvalidParameter naming `playlists.PHASE` and saying what to do.
    func applyClientPlaylists(_ requested: JSONObject?, to loaded: inout LoadedPlan) throws -> [PlaylistOverride] {
        guard let requested, !requested.isEmpty else { return [] }
        let errors = InwardSessionInterface.Errors.self
        let folders = musicFolders
        var chosen: [PlaylistOverride] = []
        for member in requested {
            let parameter = "playlists.\(member.key)"
            func refuse(_ reason: String) -> ServiceError { ServiceError(errors.invalidParameter(parameter, reason: reason)) }
            guard let index = loaded.phaseIndex(named: member.key) else {
                let names = loaded.plan.phases.map(\.name)
                let near = NearestKey.nearest(to: member.key, in: names).map { "did you mean '\($0)'? " } ?? ""
                throw refuse("plan \(loaded.plan.name) has no phase '\(member.key)'; \(near)its phases are \(names.joined(separator: ", "))")
            }
            guard !chosen.contains(where: { $0.phase == index }) else { throw refuse("phase \(loaded.plan.phases[index].name) is given twice") }
            guard let given = member.value.stringValue, !given.isEmpty else { throw refuse("give the playlist file's path") }
            guard let file = given.hasPrefix("/") ? PathResolver.normalize(given) : folders.find(given) else {
                throw refuse("no playlist '\(given)' in the daemon's music or plan folders; give its full path, or "
                    + folders.whereToPut)
            }
            let read = try readPlaylist(file, phase: index, name: loaded.plan.phases[index].name, folders: folders)
                .get(orThrow: refuse)
            loaded.override(phase: index, file: file, playlist: read.playlist)
            chosen.append(read.choice)
        }
        // A client's playlist shorter than its phase is worth a word at the start (the soundscape fills the rest).
        for item in loaded.playlistCoverage() where chosen.contains(where: { $0.phase == item.phase }) {
            guard item.coverage.verdict == .short || item.coverage.verdict == .shortOfHolds else { continue }
            let phase = loaded.plan.phases[item.phase]
            guard case .playlist(let file) = phase.source else { continue }
            loaded.warnings.append(Diagnostic(.warning, file: file, message: "phase \(phase.name): \(item.coverage.text)"))
        }
        return chosen.sorted { $0.phase < $1.phase }
    }

    /// Reads the saved session's playlists again; nil when all are in place
    /// and unchanged, else why the session cannot go on.
    func reapplyClientPlaylists(_ saved: [PlaylistOverride], to loaded: inout LoadedPlan) -> String? {
        for choice in saved {
            guard choice.phase < loaded.plan.phases.count else { return "its plan no longer has phase \(choice.phase + 1)" }
            switch readPlaylist(choice.file, phase: choice.phase, name: choice.phaseName, folders: musicFolders) {
            case .failure(let why): return why.reason
            case .success(let read):
                guard read.choice.sha256 == choice.sha256 else {
                    return "the client's playlist \(choice.file) changed while the daemon was down"
                }
                loaded.override(phase: choice.phase, file: choice.file, playlist: read.playlist)
            }
        }
        return nil
    }

    private struct ReadPlaylist {
        var playlist: Playlist
        var choice: PlaylistOverride
    }

    /// Reads and checks one playlist: it and every track it lists inside the folders.
    private func readPlaylist(_ file: String, phase: Int, name: String, folders: MusicFolders) -> Result<ReadPlaylist, Refusal> {
        if let problem = folders.problem(with: file, what: "the playlist \(file)") { return .failure(Refusal(problem)) }
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(Refusal("the playlist \(file) cannot be read; check its permissions (the daemon's user must read it)"))
        }
        let bytes = [UInt8](data)
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let playlist = PlaylistParser.parse(bytes, file: file, folder: folder, fileExists: { path in
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
        })
        for entry in playlist.entries {
            if let problem = folders.problem(with: entry.path, what: "track \(entry.path) (\(file):\(entry.line))") {
                return .failure(Refusal(problem))
            }
        }
        return .success(ReadPlaylist(playlist: playlist, choice: PlaylistOverride(
            phase: phase, phaseName: name, file: file, sha256: SHA256.hex(bytes))))
    }

    struct Refusal: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

private extension Result where Failure == SessionService.Refusal {
    func get(orThrow refuse: (String) -> any Error) throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let refusal): throw refuse(refusal.reason)
        }
    }
}
