import InwardCore
import InwardProtocol

/// The typed `SessionStatus` of the session as it stands now, for Status,
/// Monitor and every control's reply.
enum LiveStatus {
    /// The IDL's `Phase` of each phase of a plan (they do not change during a session).
    static func phases(_ plan: Plan) -> [SessionStatus.Phase] {
        plan.phases.enumerated().map { index, phase in
            var planned: Double?
            if case .fixed(let sec) = phase.length { planned = sec }
            let source: String
            switch phase.source {
            case .playlist: source = "playlist"
            case .soundscape: source = "soundscape"
            case .silence: source = "silence"
            }
            return SessionStatus.Phase(index: index, name: phase.name, plannedSeconds: planned,
                                       untilDose: phase.length == .untilDose, source: source, levelDB: phase.levelDB,
                                       fadeInSeconds: phase.fadeIn, fadeOutSeconds: phase.fadeOut,
                                       maxHoldSeconds: phase.maxExtend)
        }
    }
}

extension SessionService {
    /// The status now (thread-safe; never waits for the mixer or the disk).
    func status() -> SessionStatus {
        let (state, active, boosters, phaseTrack, calmTrack, vitals, alerts) = inner.withLock {
            ($0.state.phase, $0.active, $0.state.boosters, $0.active?.track, $0.active?.calmTrack, $0.active?.vitals ?? [],
             $0.active?.alerts.alerts ?? [])
        }
        var s = SessionStatus(device: configuration.daemon.device)
        s.state = SessionStatus.State(rawValue: state.rawValue)
        s.lastSeq = events.lastSeq
        guard let active else {
            s.lastSeq = 0   // the IDL: 0 when idle
            return s
        }
        let plan = active.loaded.plan
        let rate = Double(active.sampleRate)
        let (heard, t0) = active.clock()
        s.sessionID = active.id
        s.plan = plan.name
        s.client = active.client
        s.phaseCount = plan.phases.count
        s.sessionSeconds = Double(heard) / rate
        s.t0Seconds = t0.map { Double(heard - $0) / rate }
        s.boosters = boosters
        s.alerts = alerts.map(Self.alertStatus)
        if let schedule = plan.vitals,
           let due = schedule.due(now: Double(heard) / rate, t0: t0.map { Double($0) / rate }, readings: vitals) {
            s.vitalsDue = SessionStatus.VitalsDue(t0Seconds: due.t0Seconds, inSeconds: due.inSeconds)
        }
        if let ended = active.musicEndedFrame {
            let sinceDose = s.t0Seconds ?? 0
            let minimum = plan.minAftercareAfterDose
            s.aftercare = SessionStatus.Aftercare(musicEndedSeconds: Double(ended) / rate, minAfterDoseSeconds: minimum,
                                                  dischargeInSeconds: max(0, (minimum ?? 0) - sinceDose))
            return s
        }
        guard let runtime = active.runtime else { return s }
        let snap = runtime.snapshot()
        let index = snap.timeline.phase(at: heard)
        if let index {
            let span = snap.timeline.spans[index]
            s.phase = active.phases[index]
            s.secondsInPhase = Double(heard - (span.start ?? 0)) / rate
            s.secondsLeft = span.end.map { Double(max(0, $0 - heard)) / rate }
            s.levelDB = plan.phases[index].levelDB
        }
        // In calm the room hears calm: its track, or no track (its soundscape).
        let inCalm = snap.calmLevelDB != nil
        if let track = inCalm ? calmTrack : phaseTrack, inCalm || track.phase == index {
            s.track = SessionStatus.Track(path: track.path, title: track.title, artist: track.artist, index: track.entry,
                                          positionSeconds: Double(max(0, heard - track.frame)) / rate,
                                          durationSeconds: nil)
        }
        s.volumeDB = snap.volumeDB
        s.volumeCapDB = snap.maxVolumeDB
        s.paused = state == .paused || state == .silenced
        s.heldSeconds = Double(snap.held) / rate
        s.deviceLostSeconds = runtime.deviceLostSeconds
        s.calmLevelDB = snap.calmLevelDB
        s.calm = snap.calmLevelDB != nil
        s.soundscapeIntensity = snap.soundscape?.intensity
        s.soundscapeBrightness = snap.soundscape?.brightness
        s.outputs = runtime.outputReports().map {
            SessionStatus.Output(name: $0.name, device: $0.device, levelDB: $0.levelDB, on: $0.on, state: $0.state,
                                 delaySeconds: $0.delayFrames.map { Double($0) / rate },
                                 offsetSeconds: $0.offsetFrames.map { $0 / rate }, raisedDB: $0.raiseDB > 0 ? $0.raiseDB : nil, clock: $0.clock)
        }
        return s
    }
}
