public import InwardCore

/// A phase's playlist: its tracks one after another with equal-power
/// crossfades, and the soundscape taking over when the playlist runs out or a
/// file cannot be played, so the room never falls silent unplanned.
///
/// `prepare` (off the render path) opens tracks, decodes ahead and makes the
/// soundscape when it is needed; `read` only mixes what is ready. Events go to
/// `events` with session frames (`origin` is the session frame of this
/// source's first frame).
public final class PlaylistSource: FrameSource {
    /// What is sounding: a track or the soundscape that replaced the playlist.
    private enum Player {
        case track(TrackDeck)
        case soundscape(Soundscape)

        func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
            switch self {
            case .track(let deck): return deck.read(into: buffer, frames: frames)
            case .soundscape(let s): return s.read(into: buffer, frames: frames)
            }
        }

        var deck: TrackDeck? { if case .track(let d) = self { d } else { nil } }
    }

    public static let maxBlock = 4096

    private let entries: [PlaylistEntry]
    private let phase: Int
    private let origin: Int64
    private let crossfadeFrames: Int
    private let sampleRate: Int
    private let lookahead: Int
    private let quality: Resampler.Quality
    private let fallback: SoundscapeParameters
    private let events: EngineEvents

    private var current: Player?
    private var incoming: Player?
    /// Opened and decoded ahead, waiting for its crossfade.
    private var next: Player?
    private var nextEntry = 0
    /// Starts again from the first entry when the last has played (calm's
    /// playlist), instead of giving way to the soundscape.
    private let loops: Bool
    /// An entry opened since the playlist last started over: without one, a
    /// looping playlist has nothing playable and the soundscape takes over.
    private var openedThisPass = false
    /// Loudness normalisation: where measurements are, and the target (LUFS).
    private let normalization: (loudness: TrackLoudness, target: Double)?
    /// The gain the last track got: an unmeasured one gets it too, which is
    /// closer than 0 dB to what a measured one would get.
    private var lastGainDB = 0.0
    /// Frames until decks still waiting for their measurement look again.
    private var untilLoudnessCheck = 0
    /// Seconds over which a track that started unmeasured glides to its gain
    /// once its measurement comes: slow enough not to be noticed as a move.
    public static let lateGainGlide = 8.0

    /// Frames into the first entry opened (a resumed session's), then 0.
    private var pendingOffset: Int64 = 0
    private var lastFailure: String?
    private var outGain = GainRamp(1)
    private var inGain = GainRamp(0)
    private var localFrame: Int64 = 0
    private var skipRequested = false
    private let scratch: UnsafeMutablePointer<Float>

    /// - Parameters:
    ///   - entries: the playlist's playable entries, in order.
    ///   - crossfade: seconds of equal-power crossfade between tracks.
    ///   - lookahead: frames decoded ahead of playback per track; a track that
    ///     ends early is faded out over at least about this long.
    ///   - normalization: measurements and a target (LUFS): each track is
    ///     brought to it (`LoudnessGain`) before the phase level applies.
    ///   - firstEntry, firstEntryOffset: the entry to begin with and the
    ///     output frames into it (a resumed session goes on with the track it
    ///     was playing, where the wall clock says it is).
    ///   - loops: after the last entry, start again from the first (crossfading
    ///     as between any two tracks); the soundscape takes over only when a
    ///     whole pass found nothing playable.
    public init(entries: [PlaylistEntry], phase: Int, origin: Int64, crossfade: Double, sampleRate: Int,
                events: EngineEvents, fallback: SoundscapeParameters = .fallback,
                quality: Resampler.Quality = .medium, lookahead: Int? = nil, firstEntry: Int = 0,
                firstEntryOffset: Int64 = 0, normalization: (loudness: TrackLoudness, target: Double)? = nil,
                loops: Bool = false) {
        self.loops = loops
        self.entries = entries
        self.normalization = normalization
        nextEntry = min(max(0, firstEntry), entries.count)
        pendingOffset = max(0, firstEntryOffset)
        self.phase = phase
        self.origin = origin
        self.crossfadeFrames = Int(Timeline.frames(crossfade, sampleRate: sampleRate))
        self.sampleRate = sampleRate
        self.lookahead = max(lookahead ?? sampleRate, 2 * Self.maxBlock)
        self.quality = quality
        self.fallback = fallback
        self.events = events
        scratch = .allocate(capacity: Self.maxBlock * outputChannels)
    }

    deinit { scratch.deallocate() }

    private var now: Int64 { origin + localFrame }

    // MARK: Decoding side

    public func prepare(frames: Int) {
        if current == nil {
            current = openNext()
            announce(current!)
        }
        current?.deck?.fill()
        incoming?.deck?.fill()
        // Have the following track (or the takeover soundscape) ready well
        // before the crossfade, so it starts on its exact frame; not sooner,
        // so a track's start is not slowed by opening the next one.
        if case .track(let deck) = current, incoming == nil, next == nil,
           deck.remaining.map({ $0 <= Int64(crossfadeFrames + lookahead + 2 * sampleRate) }) ?? true || skipRequested {
            next = openNext()
        }
        next?.deck?.fill()
        applyLateMeasurements(frames: frames)
    }

    /// A track that started before the background measurer reached it plays
    /// at the last track's gain; when its measurement comes, a track not yet
    /// heard takes its gain at once, and one playing glides to it over
    /// `lateGainGlide` seconds (logged as `track.gain`). Looked for about
    /// once a second.
    private func applyLateMeasurements(frames: Int) {
        guard let n = normalization else { return }
        untilLoudnessCheck -= frames
        guard untilLoudnessCheck <= 0 else { return }
        untilLoudnessCheck = sampleRate
        func look(at player: Player?, heard: Bool) {
            guard let deck = player?.deck, !deck.measured,
                  let measured = n.loudness.measurement(for: deck.stream.path) else { return }
            let db = measured.gainDB(target: n.target)
            lastGainDB = db
            if !heard {
                deck.normalize(gainDB: db, loudness: measured.lufs, measured: true)
            } else {
                let glide = Self.glideSeconds(from: deck.gainDB ?? db, to: db)
                deck.glide(toGainDB: db, loudness: measured.lufs, over: Int(glide * Double(sampleRate)))
                // Heard once the frames decoded before the glide have played.
                var event = EngineEvent(.trackGain, frame: now + Int64(deck.buffered), phase: phase, entry: deck.entry,
                                        path: deck.stream.path)
                event.gainDB = db
                event.loudness = measured.lufs
                events.post(event)
            }
        }
        look(at: current, heard: true)
        look(at: incoming, heard: true)
        look(at: next, heard: false)
    }

    /// Seconds a playing track's gain takes from `from` to `to` dB: at least
    /// `lateGainGlide`, and within the level speed limit (rises at most
    /// `LevelSpeedLimit.riseDBPerSecond`, falls `fallDBPerSecond`, with 10%
    /// to spare), since the glide is linear in dB.
    static func glideSeconds(from: Double, to: Double) -> Double {
        let change = to - from
        let speed = 0.9 * (change > 0 ? LevelSpeedLimit.riseDBPerSecond : LevelSpeedLimit.fallDBPerSecond)
        return max(lateGainGlide, abs(change) / speed)
    }

    /// Opens the next playable entry and decodes its start; a file that will
    /// not open or yields no audio is reported and passed over. When none is
    /// left, the soundscape takes over.
    private func openNext() -> Player {
        while true {
            if nextEntry >= entries.count {
                guard loops, openedThisPass else { break }
                nextEntry = 0
                openedThisPass = false
            }
            let index = nextEntry
            let entry = entries[index]
            nextEntry += 1
            do {
                let offset = pendingOffset
                pendingOffset = 0
                let stream = try TrackStream(path: entry.path, outputRate: sampleRate, quality: quality, startFrame: offset)
                if offset > 0, stream.startedAt == 0, let length = stream.durationFrames, offset >= length {
                    continue   // a resumed session's track would have ended by now: go on with the next
                }
                let deck = TrackDeck(stream: stream, entry: index, capacity: lookahead)
                if let n = normalization {
                    let measured = n.loudness.measurement(for: entry.path)
                    // Unmeasured: its quick estimate, made quieter still, else the last track's gain.
                    let estimate = measured == nil ? n.loudness.estimated(entry.path) : nil
                    let db = measured.map { $0.gainDB(target: n.target) }
                        ?? estimate.map { $0.gainDB(target: n.target) - TrackLoudness.estimateMarginDB } ?? lastGainDB
                    deck.normalize(gainDB: db, loudness: measured?.lufs ?? estimate?.lufs, measured: measured != nil)
                    lastGainDB = db
                }
                deck.fill()
                if deck.exhausted && deck.buffered == 0 {
                    let reason = stream.error?.description ?? "'\(entry.path)' holds no audio"
                    fail(index, entry.path, reason)
                    continue
                }
                lastFailure = nil   // a takeover later names its own cause, not this older one
                openedThisPass = true
                return .track(deck)
            } catch {
                fail(index, entry.path, error.description)
            }
        }
        return .soundscape(warmSoundscape())
    }

    /// The takeover soundscape, already past its own gentle start, so the
    /// crossfade into it is as full as the crossfade out of the track.
    private func warmSoundscape() -> Soundscape {
        let soundscape = Soundscape(parameters: fallback, sampleRate: sampleRate)
        var left = Soundscape.warmUpSeconds * sampleRate
        while left > 0 {
            let n = min(left, Self.maxBlock)
            _ = soundscape.read(into: scratch, frames: n)
            left -= n
        }
        return soundscape
    }

    private func fail(_ index: Int, _ path: String, _ reason: String) {
        lastFailure = reason
        events.post(EngineEvent(.trackFailed, frame: now, phase: phase, entry: index, path: path, reason: reason))
    }

    /// Asks for a crossfade to the next track now. False when the playlist
    /// has already given way to the soundscape.
    public func skip() -> Bool {
        if case .soundscape = current { return false }
        skipRequested = true
        return true
    }

    // MARK: Render side

    private func announce(_ player: Player) {
        switch player {
        case .track(let deck):
            // The file's tags name it; else the playlist's #EXTINF title (the review's fallback is the file name).
            let title = deck.stream.title ?? (deck.entry < entries.count ? entries[deck.entry].title : nil)
            var event = EngineEvent(.trackStarted, frame: now, phase: phase, entry: deck.entry,
                                    path: deck.stream.path, title: title, artist: deck.stream.artist)
            event.offset = deck.stream.startedAt
            event.gainDB = deck.gainDB
            event.loudness = deck.loudness
            events.post(event)
        case .soundscape:
            let reason = entries.isEmpty ? "the playlist has no playable entries" : lastFailure ?? "the playlist ran out"
            events.post(EngineEvent(.soundscapeTakeover, frame: now, phase: phase, reason: reason))
        }
    }

    private func retire(_ player: Player) {
        if case .track(let deck) = player {
            if let error = deck.stream.error {
                events.post(EngineEvent(.trackFailed, frame: now, phase: phase, entry: deck.entry,
                                        path: deck.stream.path, reason: error.description))
            }
            events.post(EngineEvent(.trackEnded, frame: now, phase: phase, entry: deck.entry, path: deck.stream.path))
        }
    }

    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        var done = 0
        while done < frames {
            let want = min(frames - done, Self.maxBlock)
            done += step(into: buffer + 2 * done, frames: want)
        }
        return frames
    }

    /// Renders up to `frames` frames and returns how many, stopping early at
    /// the frame where a crossfade starts or ends.
    private func step(into out: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        guard let playing = current else {
            out.update(repeating: 0, count: 2 * frames)
            localFrame += Int64(frames)
            return frames
        }
        if incoming == nil {
            var n = frames
            if skipRequested, playing.deck != nil, let following = next {
                skipRequested = false
                let left = playing.deck?.remaining ?? Int64(crossfadeFrames)
                startCrossfade(to: following, over: Int(min(Int64(crossfadeFrames), left)))
                return 0
            }
            if let deck = playing.deck, let remaining = deck.remaining, let following = next {
                let fade = crossfadeLength(remaining: remaining, following: following)
                if remaining <= Int64(fade) {
                    startCrossfade(to: following, over: Int(remaining))
                    return 0
                }
                n = min(n, Int(remaining) - fade)
            }
            if outGain.remaining > 0 { n = min(n, outGain.remaining) }
            let got = playing.read(into: out, frames: n)
            if got < n { out.advanced(by: 2 * got).update(repeating: 0, count: 2 * (n - got)) }
            // Still finishing a fade-in that a short crossfade left unfinished.
            outGain.apply(to: out, frames: n)
            localFrame += Int64(n)
            return n
        }

        // Crossfading: the outgoing track fades with cos, the incoming with sin.
        let incomingPlayer = incoming!
        var n = frames
        if let deck = playing.deck {
            if let remaining = deck.remaining {
                // A track that turns out shorter than its header said is
                // faded out over what is left of it, never cut.
                if remaining < Int64(outGain.remaining) { outGain.move(to: 0, over: Int(remaining)) }
                n = min(n, Int(max(remaining, 0)))
            }
            if outGain.remaining > 0 { n = min(n, outGain.remaining) }
        }
        if n == 0 || (!outGain.isMoving && outGain.current == 0) {
            finishCrossfade()
            return 0
        }
        let got = playing.read(into: out, frames: n)
        if got < n { out.advanced(by: 2 * got).update(repeating: 0, count: 2 * (n - got)) }
        outGain.apply(to: out, frames: n)
        let gotIn = incomingPlayer.read(into: scratch, frames: n)
        if gotIn < n { scratch.advanced(by: 2 * gotIn).update(repeating: 0, count: 2 * (n - gotIn)) }
        inGain.apply(to: scratch, frames: n)
        for i in 0..<(2 * n) { out[i] += scratch[i] }
        localFrame += Int64(n)
        return n
    }

    private func crossfadeLength(remaining: Int64, following: Player) -> Int {
        var fade = crossfadeFrames
        if let deck = following.deck, let length = deck.length { fade = min(fade, Int(length / 2)) }
        return max(0, min(fade, Int(remaining)))
    }

    private func startCrossfade(to following: Player, over frames: Int) {
        next = nil
        incoming = following
        outGain.move(to: 0, over: frames)
        inGain = GainRamp(0)
        inGain.move(to: 1, over: frames)
        announce(following)
    }

    private func finishCrossfade() {
        if let outgoing = current { retire(outgoing) }
        current = incoming
        incoming = nil
        // The incoming track keeps its gain, which is still rising if the
        // outgoing one ended early.
        outGain = inGain
    }
}
