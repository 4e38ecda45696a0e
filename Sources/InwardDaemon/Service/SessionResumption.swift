import Foundation
import InwardAudio
import InwardCore
import InwardLog
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Picking a session up again after the daemon was killed or crashed: the
/// service saves the session's course after every control that changes it
/// (before the reply) and at every track change; a daemon that starts and
/// finds that state goes on where the wall clock says the session is, with
/// the music coming back in over a few seconds, and says so in the log.
extension SessionService {
    /// Seconds over which a resumed session's music comes back in.
    static let resumeFade = 5.0

    /// Brings `STATE/state.json` up to date with the session under way:
    /// hands its one writer the state as it stands (built under the writer's
    /// lock, so the newest state always wins), written on the durable queue.
    func saveResumeState() {
        resumeWriter?.save { [self] in currentResumeState() }
    }

    /// The session under way as `state.json` keeps it; nil when there is none.
    private func currentResumeState() -> ResumeState? {
        guard let (active, phase, boosters, track, calmTrack, vitals) = inner.withLock({ inner in
            inner.active.map { ($0, inner.state.phase, inner.state.boosters, $0.track, $0.calmTrack, $0.vitals) }
        }) else { return nil }
        let (heard, t0) = active.clock()
        var state = ResumeState(sessionID: active.id, planFile: active.planFile, planSHA256: active.planSHA256,
                                client: active.client, sampleRate: active.sampleRate,
                                pace: active.pace, anchorFrame: heard, anchorWall: Self.unixNow())
        state.t0 = t0
        state.boosters = boosters
        if let runtime = active.runtime {
            let course = runtime.course()
            state.t0 = course.t0 ?? t0
            state.holds = course.holds
            state.advances = course.advances
            let snapshot = runtime.snapshot()
            state.volumeDB = snapshot.volumeDB
            state.outputs = runtime.outputReports().map { OutputSetting(name: $0.name, levelDB: $0.levelDB, on: $0.on) }
            state.headphonesOff = runtime.outputReports().contains { $0.raiseDB > 0 }
            state.calmLevelDB = snapshot.calmLevelDB
            if snapshot.calmLevelDB != nil {
                state.calmTrack = calmTrack.map { ResumeState.TrackPosition(phase: $0.phase, entry: $0.entry, startFrame: $0.frame) }
            }
            state.soundscape = snapshot.liveSoundscape
        }
        state.playlists = active.playlists
        state.aftercare = phase == .aftercare
        switch phase {
        case .paused: state.quiet = .paused
        case .silenced: state.quiet = .silenced
        case .stopping: state.quiet = .stopping
        default: state.quiet = nil
        }
        state.track = track.map { ResumeState.TrackPosition(phase: $0.phase, entry: $0.entry, startFrame: $0.frame) }
        state.vitals = vitals.isEmpty ? nil : vitals
        return state
    }

    /// Goes on with the session saved in the state folder, if there is one;
    /// a session that cannot go on is closed in its log, saying why. Call
    /// once, before the control socket is served.
    public func resumeSavedSession(now: Double = SessionService.unixNow()) {
        guard let store = resumeStore else { return }
        var saved: ResumeState
        do {
            guard let state = try store.load() else {
                closeUnsavedSession()
                return
            }
            saved = state
        } catch {
            logger.error("the saved session state cannot be read; no session is picked up again",
                         metadata: ["error": "\(error)"])
            store.setAside()
            return
        }
        resumeWriter?.continueAfter(saved.revision)
        let id = saved.sessionID
        let record = recordSoFar(session: id)
        events.restart(at: record.lastSeq)
        // The log is the record: a stop it holds was fading the session out,
        // though the daemon went down before the saved state caught up.
        if record.stopRecorded, !saved.aftercare { saved.quiet = .stopping }

        var loaded: LoadedPlan
        do {
            loaded = try PlanLoader.load(saved.planFile)
        } catch {
            let first = error.diagnostics.first { $0.severity == .error } ?? error.diagnostics.first
            abandon(saved, reason: "its plan \(saved.planFile) cannot be loaded: \(first?.message ?? "invalid plan")")
            return
        }
        let decision = saved.decide(now: now, plan: loaded.plan, planSHA256: SHA256.hex(Array(loaded.text.utf8)),
                                    maxOpenSeconds: configuration.daemon.maxRecordOpenSeconds)
        guard case .resume(let frame, let gap) = decision else {
            if case .abandon(let reason) = decision { abandon(saved, reason: reason) }
            return
        }
        // The client's own playlists, unchanged, or the session does not go on with other music.
        if !saved.continuesInAftercare, let reason = reapplyClientPlaylists(saved.playlists, to: &loaded) {
            abandon(saved, reason: reason)
            return
        }
        if saved.continuesInAftercare {
            resumeAftercare(saved, loaded: loaded, frame: frame, gap: gap, record: record)
            return
        }
        let playing = saved.timeline(loaded.plan).phase(at: frame)
        let track = saved.track.flatMap { $0.phase == playing ? $0 : nil }
        let entry = track?.entry
        measureLoudness(loaded, firstPhase: playing, firstEntry: entry ?? 0)
        let audio: any AudioSink
        do {
            audio = try openDevice(sampleRate: saved.sampleRate)
        } catch {
            // A device still gone after the restart is a lost device: the session goes on and it is retried.
            audio = AbsentSink(sampleRate: saved.sampleRate, error: error)
        }
        // Where the wall clock says the track is; past its end, the next entry begins.
        let offset = track.map { max(0, frame - $0.startFrame) } ?? 0
        let resume = SessionMixer.Resume(frame: frame, holds: saved.holds, advances: saved.advances, entry: entry,
                                         entryOffset: offset, fade: Self.resumeFade, soundscape: saved.soundscape)
        let runtime = makeRuntime(id: id, loaded: loaded, sink: audio, t0: saved.t0, resume: resume)
        let active = Active(id: id, loaded: loaded, planFile: saved.planFile, client: saved.client, runtime: runtime, sink: audio,
                            sampleRate: saved.sampleRate, pace: saved.pace, playlists: saved.playlists)
        active.vitals = saved.vitals ?? []
        record.restore(into: active, plan: loaded.plan)
        // Status names the track at once; its track.start event says the same a moment later.
        if let playing, let entry, let file = loaded.playlists[playing]?.dropFirst(entry).first {
            active.track = Track(phase: playing, entry: entry, path: file.path, title: nil, artist: nil, frame: frame - offset)
        }
        if saved.calmLevelDB != nil, let c = saved.calmTrack, let file = loaded.playlists[LoadedPlan.calm]?.dropFirst(c.entry).first {
            active.calmTrack = Track(phase: LoadedPlan.calm, entry: c.entry, path: file.path, title: nil, artist: nil, frame: c.startFrame)
        }
        inner.withLock { inner in
            inner.state = saved.restoredState(hasUntilDosePhase: loaded.plan.untilDoseIndex != nil)
            inner.active = active
        }
        // The level controls as they were; the music itself comes back over the resume fade.
        if saved.volumeDB != 0 { _ = runtime.setVolume(db: saved.volumeDB, seconds: 0) }
        for output in saved.outputs {
            guard let index = runtime.outputNames.firstIndex(of: output.name) else { continue }
            runtime.setOutput(index, db: output.levelDB, on: output.on, seconds: 0)
        }
        if saved.headphonesOff, let raise = loaded.plan.headphonesOffRaise,
           let index = runtime.outputNames.firstIndex(of: raise.output) {
            runtime.raiseOutput(index, db: raise.raiseDB, seconds: 0)
        }
        // In calm when it went down: back in calm, at the same level, from the first frame; a calm
        // playlist goes on with the track it was playing, where the wall clock says it is.
        if let calm = saved.calmLevelDB {
            let calmTrack = saved.calmTrack
            _ = runtime.calm(level: calm, atOnce: true, live: saved.soundscape, entry: calmTrack?.entry ?? 0,
                             entryOffset: calmTrack.map { max(0, frame - $0.startFrame) } ?? 0)
        }
        switch saved.quiet {
        case .paused: runtime.send(.pause(seconds: 0))
        case .silenced: runtime.send(.silence(seconds: 0))
        case .stopping, nil: break
        }
        let rate = Double(saved.sampleRate)
        var fields: JSONObject = ["session_id": .string(id)]
        fields["gap_seconds"] = .number((gap * 1000).rounded() / 1000)
        fields["frame"] = .integer(frame)
        fields["fade_seconds"] = .number(Self.resumeFade)
        fields["entry"] = entry.map { JSONValue.integer(Int64($0)) } ?? .null
        fields["paused"] = .bool(saved.quiet == .paused)
        fields["silenced"] = .bool(saved.quiet == .silenced)
        if let live = saved.soundscape {
            fields["soundscape"] = .object(["intensity": .number(live.intensity), "brightness": .number(live.brightness),
                                            "calm": .bool(live.phase == LiveSoundscape.calmVoice)])
        }
        if !saved.playlists.isEmpty { fields["playlists"] = .array(saved.playlists.map { .string($0.phaseName) }) }
        do {
            try events.waitUntilDurable(try emit("session.resume", fields, at: Double(frame) / rate, session: id))
        } catch {
            // Unrecorded, the session cannot go on: the log is the record.
            logger.critical("cannot record the resumed session; it does not go on", metadata: ["session.id": "\(id)", "error": "\(error)"])
            inner.withLock { inner in
                _ = try? inner.state.apply(.ended)
                inner.active = nil
            }
            audio.close()
            return
        }
        runtime.start()
        saveResumeState()
        SystemdNotify.status("session \(id): resumed after \(Int(gap.rounded())) s")
        logger.notice("session resumed", metadata: ["session.id": "\(id)", "gap_seconds": "\(gap)",
                                                    "session_seconds": "\(Double(frame) / rate)",
                                                    "entry": "\(entry.map(String.init) ?? "-")",
                                                    "track_seconds": "\(Double(offset) / rate)"])
    }

    /// Picks up a record in aftercare: no music, the T+ clock on the wall clock.
    private func resumeAftercare(_ saved: ResumeState, loaded: LoadedPlan, frame: Int64, gap: Double, record: RecordSoFar) {
        let id = saved.sessionID
        let active = Active(id: id, loaded: loaded, planFile: saved.planFile, client: saved.client, runtime: nil, sink: nil,
                            sampleRate: saved.sampleRate, pace: saved.pace, playlists: saved.playlists)
        active.vitals = saved.vitals ?? []
        record.restore(into: active, plan: loaded.plan)
        active.endMusic(at: frame, t0: saved.t0)
        inner.withLock { inner in
            inner.state = saved.restoredState(hasUntilDosePhase: false)
            inner.active = active
        }
        var fields: JSONObject = ["session_id": .string(id), "aftercare": .bool(true)]
        fields["gap_seconds"] = .number((gap * 1000).rounded() / 1000)
        fields["frame"] = .integer(frame)
        if SHA256.hex(Array(loaded.text.utf8)) != saved.planSHA256 { fields["plan_changed"] = .bool(true) }
        do {
            try events.waitUntilDurable(try emit("session.resume", fields, at: Double(frame) / Double(saved.sampleRate), session: id))
        } catch {
            logger.critical("cannot record the resumed aftercare; it does not go on", metadata: ["session.id": "\(id)", "error": "\(error)"])
            inner.withLock { inner in
                _ = try? inner.state.apply(.ended)
                inner.active = nil
            }
            return
        }
        saveResumeState()
        SystemdNotify.status("session \(id): aftercare, picked up again after \(Int(gap.rounded())) s")
        logger.notice("aftercare resumed", metadata: ["session.id": "\(id)", "gap_seconds": "\(gap)"])
    }

    /// With no saved state: closes the newest log when it is still open. A
    /// daemon killed while a session was starting leaves its log begun
    /// (`session.start` reaches the disk just before the state is saved) and
    /// no state to go on from; its record ends with `session.end`, reason
    /// `not resumed: …`.
    private func closeUnsavedSession() {
        guard let folder = logDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let newest = names.filter { $0.hasSuffix(".jsonl") }.max { a, b in
            (Self.modified(folder + "/" + a), a) < (Self.modified(folder + "/" + b), b)
        }
        guard let newest else { return }
        let id = String(newest.dropLast(".jsonl".count))
        let record = recordSoFar(session: id)
        guard record.lastSeq > 0, !record.ended else { return }
        let reason = "the daemon went down before the session's state was saved"
        logger.warning("an open session log with no saved state is closed: \(reason)", metadata: ["session.id": "\(id)"])
        events.restart(at: record.lastSeq)
        _ = try? emit("session.end", ["session_id": .string(id), "reason": .string("not resumed: \(reason)")],
                      at: record.lastSeconds, session: id)
        durable.drain()
    }

    private static func modified(_ path: String) -> Double {
        var st = stat()
        guard stat(path, &st) == 0 else { return 0 }
        return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    /// Closes a saved session that will not go on, in its log, and forgets it.
    private func abandon(_ saved: ResumeState, reason: String) {
        logger.warning("the saved session is not picked up again: \(reason)", metadata: ["session.id": "\(saved.sessionID)"])
        var fields: JSONObject = ["session_id": .string(saved.sessionID), "reason": .string("not resumed: \(reason)")]
        if reason.hasPrefix("not discharged") {
            fields["reason"] = .string("not discharged")
            fields["detail"] = .string(reason)
        }
        _ = try? emit("session.end", fields, at: Double(saved.anchorFrame) / Double(saved.sampleRate), session: saved.sessionID)
        resumeWriter?.remove()
        durable.drain()
    }

    /// Wall time, Unix seconds.
    public static func unixNow() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
