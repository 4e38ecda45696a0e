public import InwardCore

/// Makes the source each phase of a plan plays: its playlist, its soundscape
/// or silence.
///
/// Playlists are read when the session is loaded (`PlanLoader`), so making a
/// source does no file I/O; a playlist's tracks are opened by its `prepare`.
public final class PhaseSources {
    public let plan: Plan
    public let sampleRate: Int
    public let quality: Resampler.Quality
    /// Playable entries of each playlist phase, by phase index (calm's under `LoadedPlan.calm`).
    public let playlists: [Int: [PlaylistEntry]]

    /// Track measurements for a plan with a `loudness_target`; nil plays tracks at their own level.
    public let loudness: TrackLoudness?

    public init(plan: Plan, sampleRate: Int, playlists: [Int: [PlaylistEntry]], quality: Resampler.Quality = .medium,
                loudness: TrackLoudness? = nil) {
        self.loudness = loudness
        self.plan = plan
        self.sampleRate = sampleRate
        self.playlists = playlists
        self.quality = quality
    }

    /// The source for phase `index`, whose first frame plays at session frame `origin`.
    /// - Parameters:
    ///   - firstEntry, firstEntryOffset: the playlist entry to begin with and
    ///     the output frames into it (a resumed session's).
    ///   - live: a soundscape's intensity and brightness as changed live (a
    ///     resumed session's), instead of the plan's.
    public func make(phase index: Int, origin: Int64, events: EngineEvents, firstEntry: Int = 0,
                     firstEntryOffset: Int64 = 0, live: LiveSoundscape? = nil) -> any FrameSource {
        let phase = plan.phases[index]
        switch phase.source {
        case .silence:
            return SilenceSource()
        case .soundscape(let parameters):
            return Soundscape(parameters: Self.adjusted(parameters, live), sampleRate: sampleRate)
        case .playlist:
            return PlaylistSource(entries: playlists[index] ?? [], phase: index, origin: origin,
                                  crossfade: phase.crossfade, sampleRate: sampleRate, events: events,
                                  quality: quality, firstEntry: firstEntry,
                                  firstEntryOffset: firstEntryOffset,
                                  normalization: plan.loudnessTarget.flatMap { target in loudness.map { ($0, target) } })
        }
    }

    /// The source of the plan's calm harbour, whose first frame plays at
    /// session frame `origin`: its soundscape, or its playlist looped (tracks
    /// crossfading over the calm crossfade, normalised like a phase's, a
    /// soundscape standing in when none of its files plays; its events carry
    /// `LoadedPlan.calm` as their phase). Silence if the plan has no calm.
    /// - Parameter firstEntry, firstEntryOffset: the playlist entry to begin
    ///   with and the output frames into it (a resumed session's calm).
    public func makeCalm(origin: Int64, events: EngineEvents, live: LiveSoundscape? = nil, firstEntry: Int = 0,
                         firstEntryOffset: Int64 = 0) -> any FrameSource {
        guard let calm = plan.calm else { return SilenceSource() }
        switch calm.source {
        case .soundscape(let parameters):
            return Soundscape(parameters: Self.adjusted(parameters, live), sampleRate: sampleRate)
        case .playlist:
            return PlaylistSource(entries: playlists[LoadedPlan.calm] ?? [], phase: LoadedPlan.calm, origin: origin,
                                  crossfade: calm.crossfade, sampleRate: sampleRate, events: events,
                                  fallback: .calmFallback, quality: quality, firstEntry: firstEntry,
                                  firstEntryOffset: firstEntryOffset,
                                  normalization: plan.loudnessTarget.flatMap { target in loudness.map { ($0, target) } },
                                  loops: true)
        case .silence:
            return SilenceSource()
        }
    }

    /// `parameters` with the live intensity and brightness, when there are any.
    static func adjusted(_ parameters: SoundscapeParameters, _ live: LiveSoundscape?) -> SoundscapeParameters {
        guard let live else { return parameters }
        var p = parameters
        p.intensity = min(max(live.intensity, 0), 1)
        p.brightness = min(max(live.brightness, 0), 1)
        return p
    }
}
