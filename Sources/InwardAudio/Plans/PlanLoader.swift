public import InwardCore
import Foundation

/// A plan read from disk with the playlists it names: what a session or a
/// render needs before the first frame.
public struct LoadedPlan: Sendable {
    public var plan: Plan
    /// Playable entries of each playlist phase, by phase index, and of a
    /// playlist calm under `LoadedPlan.calm` (the index calm's voice and
    /// events carry, never a phase's).
    public var playlists: [Int: [PlaylistEntry]]

    /// The key of the calm playlist in `playlists`.
    public static let calm = -1
    /// Problems that do not stop the plan: missing playlist entries, fades
    /// longer than their phase, empty playlists.
    public var warnings: [Diagnostic]
    /// The plan file's text, for the session log's content hash.
    public var text: String

    /// Every playlist track of the plan, in phase order (for measuring
    /// ahead); a calm playlist's first track comes first, since calm may be
    /// asked for at any moment, and the rest of it last.
    public var playlistPaths: [String] {
        let calm = playlists[Self.calm]?.map(\.path) ?? []
        let phases = playlists.keys.filter { $0 != Self.calm }.sorted().flatMap { playlists[$0]?.map(\.path) ?? [] }
        return Array(calm.prefix(1)) + phases + calm.dropFirst()
    }
}

/// Reads plan files and their playlists (the I/O shell around `PlanParser`
/// and `PlaylistParser`).
public enum PlanLoader {
    /// Reads, parses and validates the plan at `path`, and reads its
    /// playlists. Throws `PlanInvalid` with every problem found.
    public static func load(_ path: String) throws(PlanInvalid) -> LoadedPlan {
        let url = URL(fileURLWithPath: path)
        let text: String
        do {
            let data = try Data(contentsOf: url)
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw PlanInvalid([Diagnostic(.error, file: path, message: "the plan is not UTF-8 text; save it as UTF-8")])
            }
            text = decoded
        } catch let error as PlanInvalid {
            throw error
        } catch {
            throw PlanInvalid([Diagnostic(.error, file: path,
                                          message: "cannot read the plan: \(Self.reason(error)); check the path and its permissions")])
        }
        let folder = url.deletingLastPathComponent().path
        let parsed = try PlanParseCache.shared.parse(text, file: path, folder: folder, fileExists: fileExists)
        var warnings = parsed.warnings
        var playlists: [Int: [PlaylistEntry]] = [:]
        for (index, phase) in parsed.plan.phases.enumerated() {
            guard case .playlist(let playlistPath) = phase.source else { continue }
            let playlist = readPlaylist(playlistPath)
            // A missing entry does not stop the plan: it is skipped and the
            // soundscape covers whatever the playlist cannot fill.
            warnings += playlist.diagnostics.map { var d = $0; d.severity = .warning; return d }
            playlists[index] = playlist.entries
        }
        if let calm = parsed.plan.calm, case .playlist(let playlistPath) = calm.source {
            let playlist = readPlaylist(playlistPath)
            // Entries skipped (missing, streams) have their playlist line; the
            // rest (no entries at all, an unreadable file) are the plan's error.
            let skipped = playlist.diagnostics.filter { $0.line != nil }
            if playlist.entries.isEmpty && skipped.isEmpty {
                let reason = playlist.diagnostics.contains { $0.severity == .error }
                    ? "cannot read the calm playlist \(playlistPath); check that it is readable"
                    : "the calm playlist \(playlistPath) lists no audio files; add at least one, or give calm a soundscape"
                throw PlanInvalid(warnings + [Diagnostic(.error, file: path, line: calm.line, key: "calm.source.path", message: reason)])
            }
            warnings += skipped.map { var d = $0; d.severity = .warning; return d }
            if playlist.entries.isEmpty {
                warnings.append(Diagnostic(.warning, file: path, line: calm.line, key: "calm.source.path",
                                           message: "none of the calm playlist's files can be played; calm will play a soundscape instead"))
            }
            playlists[LoadedPlan.calm] = playlist.entries
        }
        return LoadedPlan(plan: parsed.plan, playlists: playlists, warnings: warnings, text: text)
    }

    /// Reads an M3U/M3U8 file; an unreadable file is one diagnostic.
    public static func readPlaylist(_ path: String) -> Playlist {
        guard let data = FileManager.default.contents(atPath: path) else {
            return Playlist(entries: [], diagnostics: [
                Diagnostic(.error, file: path, message: "cannot read the playlist; check that it exists and is readable")
            ])
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return PlaylistParser.parse([UInt8](data), file: path, folder: folder, fileExists: fileExists)
    }

    @Sendable static func fileExists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return ns.localizedDescription
    }
}
