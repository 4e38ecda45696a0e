import InwardAudio
import InwardCore
import InwardProtocol

/// The engine's events (phase and track changes, takeovers, underruns) as
/// session log events: their fields, the planned-against-actual times of
/// phase boundaries, and what they change in the service (the track status
/// shows, the saved state).
extension SessionService {
    /// On the engine queue, in the order the mix thread reported them.
    func engine(_ events: [EngineEvent], session id: String) {
        guard let active = inner.withLock({ $0.active }), active.id == id else { return }
        let plan = active.loaded.plan
        guard let runtime = active.runtime else { return }
        let rate = Double(active.sampleRate)
        for e in events {
            if e.phase == LoadedPlan.calm {
                // Calm's playlist: status shows its track while in calm; the saved state keeps the phase's.
                if e.kind == .trackStarted, let entry = e.entry, let path = e.path {
                    inner.withLock { _ in
                        active.calmTrack = Track(phase: e.phase, entry: entry, path: path, title: e.title, artist: e.artist,
                                                 frame: e.frame - e.offset)
                    }
                    saveResumeState()
                }
                if e.kind == .soundscapeTakeover { inner.withLock { _ in active.calmTrack = nil } }
            } else if e.kind == .trackStarted, let entry = e.entry, let path = e.path {
                inner.withLock { _ in
                    // The session frame of the track's own frame 0 (before e.frame when it began mid-track).
                    active.track = Track(phase: e.phase, entry: entry, path: path, title: e.title, artist: e.artist,
                                         frame: e.frame - e.offset)
                }
                saveResumeState()
            }
            if e.kind == .soundscapeTakeover { inner.withLock { _ in active.track = nil } }
            if e.kind == .sessionEnded { continue }   // the service records the end itself
            let timeline = runtime.snapshot().timeline
            let fields = Self.fields(of: e, plan: plan, timeline: timeline, rate: rate)
            if e.kind == .phaseStarted, e.phase >= 0 && e.phase < plan.phases.count {
                SystemdNotify.status("session \(id): phase \(e.phase + 1) of \(plan.phases.count), \(plan.phases[e.phase].name)"
                    + (e.reason == "resumed" ? " (resumed after a restart)" : ""))
            }
            // A minute of loudness is timed at its first interval: the phase heard then.
            let phaseIndex = e.kind == .loudness ? timeline.phase(at: e.frame) ?? -1 : e.phase
            let phaseName = phaseIndex >= 0 && phaseIndex < plan.phases.count ? plan.phases[phaseIndex].name : nil
            _ = try? emit(e.kind.rawValue, fields, at: Double(e.frame) / rate, phase: phaseName)
        }
    }

    /// On the engine queue: the device lost (`device.error`) or back
    /// (`device.restored`), timed at the session frame it happened at.
    func device(_ change: SessionRuntime.DeviceChange, session id: String) {
        guard let active = inner.withLock({ $0.active }), active.id == id, let runtime = active.runtime else { return }
        let rate = Double(runtime.sampleRate)
        let outputs = configuration.daemon.roomOutputs
        func device(of output: String) -> String { outputs.first { $0.name == output }?.device ?? configuration.daemon.device }
        switch change {
        case .lost(let output, let message, let frame):
            let device = device(of: output)
            logger.error("sound device lost; the session goes on and the device is retried every second",
                         metadata: ["session.id": "\(id)", "output": "\(output)", "device": "\(device)", "error": "\(message)"])
            SystemdNotify.status("session \(id): output \(output) (device \(device)) lost, retrying every second")
            _ = try? emit("device.error", ["device": .string(device), "output": .string(output), "message": .string(message),
                                           "frame": .integer(frame)],
                          at: Double(frame) / rate)
        case .restored(let output, let frame, let gap):
            let device = device(of: output)
            logger.notice("sound device back; the music fades in",
                          metadata: ["session.id": "\(id)", "output": "\(output)", "device": "\(device)", "gap_seconds": "\(gap)"])
            SystemdNotify.status("session \(id): output \(output) (device \(device)) back after \(Int(gap.rounded())) s")
            _ = try? emit("device.restored", ["device": .string(device), "output": .string(output),
                                              "gap_seconds": .number((gap * 1000).rounded() / 1000),
                                              "frame": .integer(frame)], at: Double(frame) / rate)
        case .clock(let output, let frame):
            logger.notice(output == nil ? "no output plays; the wall clock paces the session" : "the session's clock passes to an output",
                          metadata: ["session.id": "\(id)", "output": "\(output ?? "none")"])
            _ = try? emit("output.clock", ["output": output.map { .string($0) } ?? .null, "frame": .integer(frame)],
                          at: Double(frame) / rate)
        }
    }

    /// An engine event's log fields (docs/daemon.md tables them).
    static func fields(of e: EngineEvent, plan: Plan, timeline: Timeline, rate: Double) -> JSONObject {
        var fields: JSONObject = ["frame": .integer(e.frame)]
        let known = e.phase >= 0 && e.phase < plan.phases.count
        if known { fields["phase_index"] = .integer(Int64(e.phase)) }
        if e.phase == LoadedPlan.calm { fields["calm"] = .bool(true) }
        if let entry = e.entry { fields["entry"] = .integer(Int64(entry)) }
        if let path = e.path { fields["file"] = .string(path) }
        if let title = e.title { fields["title"] = .string(title) }
        if let artist = e.artist { fields["artist"] = .string(artist) }
        if let reason = e.reason { fields["reason"] = .string(reason) }
        if e.offset > 0 { fields["offset_seconds"] = .number(Double(e.offset) / rate) }
        if let db = e.gainDB {
            fields["gain_db"] = .number((db * 100).rounded() / 100)
            fields["loudness_lufs"] = e.loudness.map { .number(($0 * 100).rounded() / 100) } ?? .null
        }
        if e.kind == .trackGain { fields["glide_seconds"] = .number(PlaylistSource.lateGainGlide) }
        if let lufs = e.lufs {
            // A minute of heard loudness, to 0.1 LU; null where nothing was measured (silence below the gate, a gap).
            fields["interval_seconds"] = .integer(Int64(HeardLoudness.intervalSeconds))
            fields["lufs"] = .array(lufs.map { v in v.map { .number(($0 * 10).rounded() / 10) } ?? .null })
        }
        if (e.kind == .phaseStarted || e.kind == .phaseEnded) && known {
            // Planned against actual: the plan's length, the timeline's boundary now, the frame heard.
            let phase = plan.phases[e.phase]
            if case .fixed(let sec) = phase.length {
                fields["planned_seconds"] = .number(sec)
            } else {
                fields["planned_seconds"] = .null
            }
            let span = timeline.spans[e.phase]
            let boundary = e.kind == .phaseStarted ? span.start : span.end
            fields["timeline_seconds"] = .optional(boundary.map { Double($0) / rate })
            fields["actual_seconds"] = .number(Double(e.frame) / rate)
            if e.kind == .phaseEnded, let start = span.start {
                fields["actual_length_seconds"] = .number(Double(e.frame - start) / rate)
            }
            if e.kind == .phaseStarted {
                // The plan's level and fades, so the review draws the level envelope in real dB.
                fields["level_db"] = .number(phase.levelDB)
                fields["fade_in_seconds"] = .number(phase.fadeIn)
                fields["fade_out_seconds"] = .number(phase.fadeOut)
            }
        }
        return fields
    }
}
