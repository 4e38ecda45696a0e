/// Something the engine did or met while rendering, at a session frame.
///
/// The engine posts these; the shell turns them into log events, progress
/// lines or journal entries.
public struct EngineEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case phaseStarted = "phase.start"
        case phaseEnded = "phase.end"
        case trackStarted = "track.start"
        case trackEnded = "track.end"
        /// A track that started unmeasured got its loudness gain (gliding to it).
        case trackGain = "track.gain"
        /// A playlist entry could not be opened or decoded.
        case trackFailed = "track.failed"
        /// The soundscape took over a playlist that ran out or failed.
        case soundscapeTakeover = "soundscape.takeover"
        case sessionEnded = "session.end"
        /// The audio thread found nothing mixed in time and played silence.
        case underrun = "audio.underrun"
        /// The device underran (xrun) and was recovered.
        case xrun = "audio.xrun"
        /// A minute of heard loudness (`lufs`), measured at the output.
        case loudness = "audio.loudness"
    }

    public var kind: Kind
    /// Session frame (from the session's start) at which it is heard.
    public var frame: Int64
    public var phase: Int
    /// Playlist entry index, when the event concerns one.
    public var entry: Int?
    /// File path of the track, when there is one.
    public var path: String?
    /// Title and artist from the file's tags, when present.
    public var title: String?
    public var artist: String?
    /// What went wrong, for failures and takeovers.
    public var reason: String?
    /// For `trackStarted`: output frames into the track where it starts (a
    /// resumed session goes on mid-track); 0 from its beginning.
    public var offset: Int64 = 0
    /// For `trackStarted` and `trackGain` under a plan's `loudness_target`:
    /// the gain given to the track, dB, and its measured loudness, LUFS (nil
    /// when unmeasured or below the gate).
    public var gainDB: Double?
    public var loudness: Double?
    /// For `loudness`: the short-term loudness heard, one value per
    /// `HeardLoudness.intervalSeconds` from `frame`, LUFS (nil: nothing measured).
    public var lufs: [Double?]?

    public init(_ kind: Kind, frame: Int64, phase: Int, entry: Int? = nil, path: String? = nil,
                title: String? = nil, artist: String? = nil, reason: String? = nil) {
        self.kind = kind
        self.frame = frame
        self.phase = phase
        self.entry = entry
        self.path = path
        self.title = title
        self.artist = artist
        self.reason = reason
    }

    /// A minute of heard loudness.
    public init(heard minute: HeardLoudness.Minute) {
        self.init(.loudness, frame: minute.frame, phase: -1)
        lufs = minute.lufs
    }
}

/// Where sources and the mixer post `EngineEvent`s; the shell drains it
/// between blocks. Capacity is reserved up front so posting does not allocate.
public final class EngineEvents {
    private var pending: [EngineEvent] = []

    public init(capacity: Int = 256) { pending.reserveCapacity(capacity) }

    public func post(_ event: EngineEvent) { pending.append(event) }

    /// Takes every event posted since the last drain, oldest first.
    public func drain() -> [EngineEvent] {
        guard !pending.isEmpty else { return [] }
        let out = pending
        pending.removeAll(keepingCapacity: true)
        return out
    }
}
