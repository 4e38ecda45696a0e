/// One playable entry of an M3U/M3U8 playlist.
public struct PlaylistEntry: Sendable, Equatable {
    /// Absolute or folder-joined, normalised path of the audio file.
    public var path: String
    /// Title from the preceding `#EXTINF` line (e.g. "Artist - Title"), if any.
    public var title: String?
    /// Length from the preceding `#EXTINF` line, if given and not -1.
    public var seconds: Double?
    /// 1-based line of the entry in the playlist file.
    public var line: Int

    public init(path: String, title: String? = nil, seconds: Double? = nil, line: Int) {
        self.path = path
        self.title = title
        self.seconds = seconds
        self.line = line
    }
}

/// A playlist as read: the entries that can be played, in order, and the
/// problems found (entries skipped, an empty list).
public struct Playlist: Sendable, Equatable {
    public var entries: [PlaylistEntry]
    public var diagnostics: [Diagnostic]

    public init(entries: [PlaylistEntry], diagnostics: [Diagnostic] = []) {
        self.entries = entries
        self.diagnostics = diagnostics
    }
}
