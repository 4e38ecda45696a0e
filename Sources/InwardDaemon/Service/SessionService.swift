import InwardAudio
import InwardCore
public import InwardProtocol
public import Logging
import Foundation
import InwardLog
import InwardPOSIX
import Synchronization

/// The `io.inward.Session` service: starts sessions, turns controls into
/// engine actions, numbers and records every event, and streams them to
/// monitors. Its parts, each in its own file:
/// - `MethodTable`: one row per method (who may call it, its handler, when
///   its reply goes out);
/// - `SessionControls`: the controls (dose, pause, hold, next, volume, marks, stop);
/// - `EventEmitter` and `DurableQueue`: numbering events, and waiting for
///   the disk off the server thread;
/// - `EngineEventLog`: the engine's events as log fields;
/// - `LiveStatus`: the typed `SessionStatus` of the session as it stands;
/// - `SessionResumption` and `ResumeStateWriter`: the saved state and picking
///   a session up after a restart.
///
/// Calls arrive on the server thread, engine events on the mix thread (and
/// are recorded on the engine queue) and the session's end on the audio
/// thread; `inner` (a mutex) is the one place they meet. The server thread
/// never waits for the disk: a control's reply is queued on the durable queue
/// behind its event and state. Nothing here runs on the audio thread's hot path.
public final class SessionService: VarlinkHandler, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The daemon's settings: plans, device, format, rates, pace.
        public var daemon: DaemonConfig
        public var ringFrames = SessionRuntime.Options().ringFrames
        /// Fade lengths of the level controls, seconds.
        public var pauseFade = 4.0
        public var silenceFade = 2.0
        public var volumeRamp = 2.0
        public var stopFade = 3.0

        public init(_ daemon: DaemonConfig) {
            self.daemon = daemon
        }
    }

    struct Track {
        var phase: Int
        var entry: Int
        var path: String
        var title: String?
        var artist: String?
        var frame: Int64
    }

    final class Active: @unchecked Sendable {
        let id: String
        let loaded: LoadedPlan
        let planFile: String
        let client: String?
        /// The music: nil for a session picked up again in aftercare (no music left).
        let runtime: SessionRuntime?
        let sink: (any AudioSink)?
        let sampleRate: Int
        /// Playback speed against the wall clock (`--pace`; 1 on a real device).
        let pace: Double
        let phases: [SessionStatus.Phase]
        let planSHA256: String
        /// The client's own playlists, in place of their phases' sources.
        let playlists: [PlaylistOverride]
        /// Guarded by the service's `inner` lock.
        var track: Track?
        /// The track a playlist calm plays (its phase is `LoadedPlan.calm`); guarded by `inner`.
        var calmTrack: Track?
        /// Session seconds of the vitals marked so far (for the plan's [vitals] schedule); guarded by `inner`.
        var vitals: [Double] = []
        /// Vital signs outside their alert limits, by the latest reading of each; guarded by `inner`.
        var alerts = StandingVitalAlerts()
        /// Sequence numbers of the marks and doses a correction may name; guarded by `inner`.
        var correctable: Set<Int64> = []
        /// The first dose's wall time as logged (for DoseAlreadyMarked); guarded by `inner`.
        var doseTime: String?
        /// Set once the music has ended after a dose: the session clock then
        /// runs on the wall clock.
        private let musicEnd = Mutex<MusicEnd?>(nil)

        struct MusicEnd {
            /// The session frame heard last, and the monotonic time it was heard.
            var frame: Int64
            var at: Double
            var t0: Int64?
        }

        init(id: String, loaded: LoadedPlan, planFile: String, client: String?, runtime: SessionRuntime?, sink: (any AudioSink)?,
             sampleRate: Int, pace: Double, playlists: [PlaylistOverride] = []) {
            self.id = id
            self.playlists = playlists
            self.loaded = loaded
            self.planFile = planFile
            planSHA256 = SHA256.hex(Array(loaded.text.utf8))
            self.client = client
            self.runtime = runtime
            self.sink = sink
            self.sampleRate = sampleRate
            self.pace = pace
            phases = LiveStatus.phases(loaded.plan)
        }

        /// The session clock: frames heard so far and the T0 frame, from the
        /// audio while the music plays, then on the wall clock (at the pace).
        func clock() -> (heard: Int64, t0: Int64?) {
            if let end = musicEnd.withLock({ $0 }) {
                let elapsed = max(0, MonotonicClock.seconds - end.at) * Double(sampleRate) * pace
                return (end.frame + Int64(elapsed.rounded()), end.t0)
            }
            guard let runtime else { return (0, nil) }
            let snapshot = runtime.snapshot()
            return (snapshot.heard, snapshot.t0)
        }

        /// The music has ended at `frame` (or now, by the clock).
        func endMusic(at frame: Int64? = nil, t0: Int64?) {
            let heard = frame ?? clock().heard
            musicEnd.withLock { $0 = MusicEnd(frame: heard, at: MonotonicClock.seconds, t0: t0) }
        }

        /// Session frame the music ended at; nil while it plays.
        var musicEndedFrame: Int64? { musicEnd.withLock { $0?.frame } }

        var seconds: Double { Double(clock().heard) / Double(sampleRate) }
    }

    struct Inner {
        var state = SessionState()
        var active: Active?
    }

    public let configuration: Configuration
    let logger: Logger
    let inner = Mutex(Inner())
    let table = MethodTable()
    /// Where waiting on the disk happens: event durability, the saved state, replies.
    let durable: DurableQueue
    let events: EventEmitter
    /// Engine events are recorded here, in order, off the mix thread.
    let engineEvents = DispatchQueue(label: "inward.engine-events")

    /// The saved state and its one writer; nil keeps no state.
    let resumeStore: ResumeStore?
    let resumeWriter: ResumeStateWriter?

    /// Track loudness, measured once and kept, for plans with a `loudness_target`.
    let loudness: TrackLoudness

    /// The session log (for reading back the last sequence number on a resume).
    private let sink: any EventSink

    public init(configuration: Configuration, events sink: any EventSink, logger: Logger, resumeStore: ResumeStore? = nil,
                loudnessCache: String? = nil) {
        loudness = TrackLoudness(cacheFile: loudnessCache)
        self.configuration = configuration
        self.sink = sink
        self.logger = logger
        self.resumeStore = resumeStore
        let durable = DurableQueue()
        self.durable = durable
        events = EventEmitter(sink: sink, durable: durable, logger: logger)
        resumeWriter = resumeStore.map { ResumeStateWriter(store: $0, durable: durable, logger: logger) }
    }

    // MARK: VarlinkHandler

    public func handle(_ call: VarlinkCall, from peer: VarlinkPeer, responder: any VarlinkResponder) {
        // Only io.inward.Session calls act on the session: `x.y.Stop` is InterfaceNotFound, not a stop.
        guard let method = SessionMethod(call: call) else {
            responder.send(VarlinkService.unknownMethodReply(call) ?? VarlinkService.Errors.methodNotImplemented(call.method))
            return
        }
        let caller = Caller(peer: peer, responder: responder)
        do {
            switch try table.run(method, call, caller, on: self) {
            case .now(let reply):
                responder.send(reply)
            case .whenDurable(let reply, let ticket):
                // Behind the event (and any state saved since) on the durable queue.
                durable.async { responder.send(ticket.failed?.reply ?? reply) }
            case .streaming:
                break
            }
        } catch let error as VarlinkProtocolError {
            responder.send(error.reply)
        } catch let error as ServiceError {
            responder.send(error.reply)
        } catch {
            responder.send(InwardSessionInterface.Errors.invalidParameter("", reason: "\(error)"))
        }
    }

    public func connectionClosed(_ connection: ConnectionID) {
        events.removeMonitor(connection)
    }

    /// A refusal with the Varlink error that says why.
    struct ServiceError: Error {
        let reply: VarlinkReply
        init(_ reply: VarlinkReply) { self.reply = reply }
    }

    // MARK: Session lifecycle

    func start(plan name: String, client: String?, playlists: JSONObject? = nil, user: String? = nil,
               callerUID: UInt32? = nil) throws -> MethodTable.Response {
        let errors = InwardSessionInterface.Errors.self
        if let client, !Self.isPseudonym(client) {
            throw ServiceError(errors.invalidParameter("client", reason:
                "use the client's pseudonymous code (letters, digits, - and _, at most 32), never a name"))
        }
        if let running = inner.withLock({ inner in inner.active.map { ($0.id, inner.state.phase.rawValue) } }) {
            throw ServiceError(errors.sessionActive(sessionID: running.0, state: running.1))
        }
        let catalog = PlanCatalog(directories: configuration.daemon.plansDirectories)
        let file: String
        let resolution = catalog.resolve(name, anywhere: mayStartPlansAnywhere(callerUID))
        switch resolution {
        case .found(let path):
            file = path
        case .notFound:
            throw ServiceError(errors.planNotFound(plan: name, nearest: catalog.nearest(to: name)))
        case .outside, .notRegularFile:
            // Refused unread: nothing of the file reaches the caller.
            logger.notice("Start refused: the plan asked for is not a plan file in the plan folders")
            throw ServiceError(errors.invalidParameter("plan", reason: catalog.refusal(resolution) ?? "not a plan"))
        }
        var loaded: LoadedPlan
        do {
            loaded = try PlanLoader.load(file)
        } catch {
            let first = error.diagnostics.first { $0.severity == .error } ?? error.diagnostics.first
            throw ServiceError(errors.planInvalid(file: first?.file ?? file, line: first?.line, key: first?.key,
                                                  message: first?.message ?? "invalid plan"))
        }
        let chosen = try applyClientPlaylists(playlists, to: &loaded)
        warnIfRoomLacksHeadphonesOffOutput(&loaded)
        measureLoudness(loaded, firstPhase: 0, firstEntry: 0)
        let audio: any AudioSink
        do {
            audio = try openDevice(sampleRate: configuration.daemon.sampleRate)
        } catch {
            throw ServiceError(errors.deviceUnavailable(device: configuration.daemon.device, reason: "\(error)"))
        }
        let id = WallClock.sessionID()
        let runtime = makeRuntime(id: id, loaded: loaded, sink: audio)
        let active = Active(id: id, loaded: loaded, planFile: file, client: client, runtime: runtime, sink: audio,
                            sampleRate: audio.sampleRate, pace: configuration.daemon.pace ?? 1, playlists: chosen)
        try inner.withLock { inner in
            if let other = inner.active {
                throw ServiceError(errors.sessionActive(sessionID: other.id, state: inner.state.phase.rawValue))
            }
            _ = try? inner.state.apply(.start(hasUntilDosePhase: loaded.plan.untilDoseIndex != nil))
            inner.active = active
        }
        events.restart(at: 0)   // each session's log numbers its lines from 1
        var startFields: JSONObject = [
            "session_id": .string(id), "plan": .string(loaded.plan.name), "plan_file": .string(file),
            "plan_sha256": .string(active.planSHA256),
            "client": .optional(client), "device": .string(configuration.daemon.device),
            "sample_rate": .integer(Int64(audio.sampleRate)),
        ]
        if !chosen.isEmpty {
            // The client's own playlists, each with its content's hash: what was played is on record.
            startFields["playlists"] = .array(chosen.map {
                .object(["phase": .string($0.phaseName), "file": .string($0.file), "sha256": .string($0.sha256),
                         "entries": .integer(Int64(loaded.playlists[$0.phase]?.count ?? 0))])
            })
        }
        if let vitals = loaded.plan.vitals {
            // The plan's schedule, so the review can say which readings were taken and which missed.
            startFields["vitals"] = .object([
                "before_dose": .bool(vitals.beforeDose), "at_t0_seconds": .array(vitals.at.map { .number($0) }),
                "every_seconds": .optional(vitals.every),
            ])
        }
        let zone = WallClock.timeZone()
        startFields["time_zone"] = .string(zone.name)
        startFields["utc_offset_seconds"] = .integer(Int64(zone.offsetSeconds))
        startFields["log_format"] = .integer(Int64(LogLine.formatVersion))
        if let user { startFields["user"] = .string(user) }
        let started: EventTicket
        do {
            started = try emit("session.start", startFields)
        } catch {
            // A session that cannot be recorded does not start.
            abandonStart(active)
            throw error
        }
        for warning in loaded.warnings { _ = try? emit("plan.warning", ["message": .string(warning.description)]) }
        let reply = VarlinkReply(["session_id": .string(id), "status": .object(status().json),   // the state as the start left it
                                  "warnings": .array(loaded.warnings.map { .string($0.description) })])
        saveResumeState()
        // The music begins once its record is on disk; a session that cannot be recorded does not start.
        let planName = loaded.plan.name
        durable.async { [self] in
            if started.failed != nil {
                abandonStart(active)
                return
            }
            runtime.start()
            SystemdNotify.status("session \(id): plan \(planName), waiting for the dose")
            if !runtime.realtimeScheduling {
                logger.notice("audio thread runs without real-time scheduling (needs CAP_SYS_NICE or LimitRTPRIO)",
                              metadata: ["session.id": "\(id)"])
            }
        }
        return .whenDurable(reply, started)
    }

    /// `allow_plans_anywhere` holds for a caller who could read any file the
    /// daemon can anyway: root, or the daemon's own user.
    private func mayStartPlansAnywhere(_ uid: UInt32?) -> Bool {
        guard configuration.daemon.allowPlansAnywhere, let uid else { return false }
        return uid == 0 || uid == getuid()
    }

    /// Undoes a start whose first event could not be recorded.
    private func abandonStart(_ active: Active) {
        let current = inner.withLock { inner -> Bool in
            guard inner.active === active else { return false }
            _ = try? inner.state.apply(.ended)
            inner.active = nil
            return true
        }
        guard current else { return }
        active.sink?.close()
        resumeWriter?.remove()
    }

    /// For a plan with a loudness target: a quick estimate of the track
    /// heard first (a few seconds of it read, however long it is; it starts
    /// on that, erring quiet), and full measurements of every track in
    /// playing order in the background, that one first: it glides to its
    /// measurement under the level speed limit when it comes.
    func measureLoudness(_ loaded: LoadedPlan, firstPhase: Int?, firstEntry: Int) {
        guard loaded.plan.loudnessTarget != nil else { return }
        if let phase = firstPhase, let path = loaded.playlists[phase]?.dropFirst(firstEntry).first?.path {
            loudness.estimate(path)
            loudness.measureInBackground([path])
        }
        loudness.measureInBackground(loaded.playlistPaths)
    }

    /// The room's ALSA device, as configured (the first output's).
    func openDevice(sampleRate: Int) throws(AudioError) -> AlsaSink {
        try openDevice(configuration.daemon.roomOutputs[0], sampleRate: sampleRate)
    }

    /// One output's ALSA device. Sizes not configured are chosen by kind of
    /// device (`DeviceBuffering`: deep on one that can rewind) when the room
    /// has this one output; a room with several plays without rewinding and
    /// gets the plain sizes. Outputs after the first get the same period and
    /// half the buffer (at least two periods): the device then paces their
    /// thread, a block of the first's at a time, and the ring in front of
    /// them holds the rest of the first's latency, which carries them
    /// through a stall of the first (a clock handover). A half period only
    /// woke that thread, the plugin and the sound server twice as often
    /// (scripts/bench-outputs). `plain`: the device will
    /// be played without rewinding whatever its kind (one found again after
    /// a loss), so it gets the plain sizes.
    func openDevice(_ output: RoomOutput, sampleRate: Int, follower: Bool = false, plain: Bool = false) throws(AudioError) -> AlsaSink {
        let daemon = configuration.daemon
        var period = daemon.periodFrames, buffer = daemon.bufferFrames
        if plain || period != nil || buffer != nil || daemon.roomOutputs.count > 1 {
            let p = period ?? DeviceBuffering.plain.periodFrames
            let b = buffer ?? max(DeviceBuffering.plain.bufferFrames, 2 * p)
            period = p
            buffer = follower ? max(2 * p, b / 2) : b
        }
        let format = daemon.format
        // On a real-time thread, so a plugin's own thread (pulse's) is real-time too: see OutputOpener.
        return try OutputOpener.open { () throws(AudioError) -> AlsaSink in
            try AlsaSink(device: output.device, sampleRate: sampleRate, format: format,
                         periodFrames: period, bufferFrames: buffer)
        }
    }

    /// The room's outputs for a session: `first` (opened already) and the
    /// others, opened now. One that cannot be opened plays as lost from the
    /// start (`device.error`, retried every second); the session plays on the rest.
    func sessionOutputs(first: any AudioSink) -> [SessionRuntime.Output] {
        let rate = first.sampleRate
        return configuration.daemon.roomOutputs.enumerated().map { index, output in
            let sink: any AudioSink
            if index == 0 {
                sink = first
            } else {
                do throws(AudioError) { sink = try openDevice(output, sampleRate: rate, follower: true) } catch {
                    sink = AbsentSink(sampleRate: rate, error: error)
                }
            }
            return SessionRuntime.Output(name: output.name, device: output.device, levelDB: output.levelDB,
                                         channels: output.channels, sink: sink,
                                         reopen: { [weak self] in
                                             guard let service = self else {
                                                 throw AudioError.device(name: output.device, operation: "open", reason: "daemon shutting down")
                                             }
                                             // Found again after a loss, the device plays the plain way (SessionRuntime).
                                             return try service.openDevice(output, sampleRate: rate, follower: index > 0, plain: true)
                                         })
        }
    }

    func makeRuntime(id: String, loaded: LoadedPlan, sink audio: any AudioSink, t0: Int64? = nil,
                     resume: SessionMixer.Resume? = nil) -> SessionRuntime {
        var options = SessionRuntime.Options()
        // The engine's block: as configured, else small on a device the runtime rewinds (a rewind goes back to a block start).
        let rewinds = (audio as? any RewindableSink)?.canRewind == true && configuration.daemon.roomOutputs.count == 1
            && configuration.daemon.pace == nil
        options.periodFrames = configuration.daemon.periodFrames
            ?? DeviceBuffering.defaults(rewinds: rewinds, sampleRate: audio.sampleRate).blockFrames
        if let alsa = audio as? AlsaSink {
            logger.info(rewinds ? "sound device rewinds: level controls are rewound into its buffer"
                                : "sound device plays without rewinding: level controls are heard after its buffer",
                        metadata: ["session.id": "\(id)", "device": "\(alsa.device)", "period_frames": "\(alsa.periodFrames)",
                                   "buffer_frames": "\(alsa.bufferFrames)", "block_frames": "\(options.periodFrames)"])
        }
        options.ringFrames = configuration.ringFrames
        options.pace = configuration.daemon.pace
        options.resampler = configuration.daemon.resampler
        return SessionRuntime(plan: loaded.plan, playlists: loaded.playlists, outputs: sessionOutputs(first: audio),
                              options: options, t0: t0, resume: resume, loudness: loudness,
                              onEvents: { [weak self] events in
                                  // Recorded off the mix thread: a slow disk must not starve the audio.
                                  guard let service = self else { return }
                                  service.engineEvents.async { service.engine(events, session: id) }
                              },
                              onDevice: { [weak self] change in
                                  guard let service = self else { return }
                                  service.engineEvents.async { service.device(change, session: id) }
                              },
                              onEnd: { [weak self] end in
                                  // After every engine event of the session, in order.
                                  guard let service = self else { return }
                                  service.engineEvents.async { service.sessionEnded(id, end) }
                              })
    }

    /// On the engine queue, after the session's last engine event: the music
    /// has ended. Once a dose is marked the record goes on in aftercare;
    /// before one, the session ends.
    private func sessionEnded(_ id: String, _ end: SessionRuntime.End) {
        let reason: String
        switch end {
        case .completed: reason = "completed"
        case .stopped: reason = "stopped"
        }
        // A lost device does not end the session (EngineEventLog records its loss and return).
        guard let ending = inner.withLock({ $0.active?.id == id ? $0.active : nil }) else { return }
        var endFields: JSONObject = ["session_id": .string(id), "reason": .string(reason)]
        endFields["xruns"] = .integer(Int64(ending.runtime?.xrunCount ?? 0))
        endFields["underruns"] = .integer(Int64(ending.runtime?.underrunCount ?? 0))
        let t0 = ending.clock().t0
        ending.endMusic(t0: t0)
        let aftercare = inner.withLock { inner -> Bool in
            guard inner.active === ending else { return false }
            _ = try? inner.state.apply(.musicEnded)
            if inner.state.phase == .aftercare { return true }
            inner.active = nil
            return false
        }
        // The device the music last played on (a lost one is closed already).
        if let runtime = ending.runtime { runtime.closeDevice() } else { ending.sink?.close() }
        if aftercare {
            if let minimum = ending.loaded.plan.minAftercareAfterDose { endFields["min_after_dose_seconds"] = .number(minimum) }
            _ = try? emit("music.end", endFields, session: id)
            saveResumeState()
            SystemdNotify.status("session \(id): aftercare (the music has ended; discharge closes the record)")
        } else {
            _ = try? emit("session.end", endFields, session: id)
            // Queued behind session.end: the state goes once the end is recorded.
            resumeWriter?.remove()
            SystemdNotify.status("idle; session \(id) \(reason)")
            releaseFreedMemory()
        }
    }

    /// Gives the memory a session freed (decoders, buffers, the arenas of
    /// its threads) back to the system once it has ended: a room's daemon
    /// idles for hours between sessions. On the engine queue, off the server
    /// thread.
    func releaseFreedMemory() {
        engineEvents.async { _ = glibcMallocTrim(0) }
    }

    /// Frames the audio thread has played in the session under way, or nil
    /// when none is playing: a supervisor sees the audio path is alive when
    /// this moves.
    public var playedFrames: Int64? {
        inner.withLock { inner -> Int64? in
            guard let runtime = inner.active?.runtime, !runtime.hasEnded else { return nil }
            return runtime.playedFrames
        }
    }

    /// Seconds since the retry loop of a lost device last turned, nil while
    /// the device plays or no session does (for the watchdog).
    public var deviceRetryAge: Double? {
        inner.withLock { inner -> Double? in
            guard let runtime = inner.active?.runtime, !runtime.hasEnded else { return nil }
            return runtime.deviceRetryAge
        }
    }

    /// The session under way is in aftercare (no music; the record open).
    var inAftercare: Bool { inner.withLock { $0.state.phase == .aftercare } }

    /// Fades out (over the configured stop fade) and waits for the music to
    /// end and the record to reach the disk; for SIGTERM and SIGINT. A record
    /// in aftercare (or that goes into it, a dose being marked) stays open in
    /// the saved state, and the next daemon picks it up.
    public func shutdown() {
        defer { durable.drain() }   // every event and the saved state on disk before the daemon exits
        guard let runtime = inner.withLock({ $0.state.phase == .aftercare ? nil : $0.active?.runtime }),
              !runtime.hasEnded else {
            engineEvents.sync {}
            return
        }
        // The same stop a therapist gives (unless one is already fading); its saved
        // state keeps a kill during the fade from bringing the session back.
        _ = try? stop(by: "signal", user: nil)
        let seconds = configuration.stopFade
        if !runtime.waitUntilEnded(seconds: seconds + 5) {
            runtime.terminate()
            runtime.waitUntilEnded(seconds: 2)
        }
        engineEvents.sync {}   // session.end queued before the daemon exits
    }

    // MARK: Shared by the controls

    func requireActive() throws -> Active {
        guard let active = inner.withLock({ $0.active }) else { throw ServiceError(InwardSessionInterface.Errors.noSession()) }
        return active
    }

    func requireNotStopping() throws {
        let state = inner.withLock { $0.state.phase }
        if state == .stopping { throw ServiceError(InwardSessionInterface.Errors.notWaitingForDose(state: state.rawValue)) }
    }

    /// The music of a session whose music plays; `InAftercare` once it has ended.
    func music(_ active: Active) throws -> SessionRuntime {
        guard let runtime = active.runtime, active.musicEndedFrame == nil, !inAftercare else {
            throw ServiceError(InwardSessionInterface.Errors.inAftercare())
        }
        return runtime
    }

    /// Moves the session's state machine, or throws the refusal as a Varlink error.
    func apply(_ control: SessionState.Control) throws -> SessionState.Outcome {
        let errors = InwardSessionInterface.Errors.self
        return try inner.withLock { inner in
            do throws(SessionState.Refusal) {
                return try inner.state.apply(control)
            } catch {
                switch error {
                case .noSession: throw ServiceError(errors.noSession())
                case .sessionActive:
                    throw ServiceError(errors.sessionActive(sessionID: inner.active?.id ?? "", state: inner.state.phase.rawValue))
                case .stopping: throw ServiceError(errors.notWaitingForDose(state: inner.state.phase.rawValue))
                case .aftercare: throw ServiceError(errors.inAftercare())
                case .musicPlaying: throw ServiceError(errors.musicPlaying(state: inner.state.phase.rawValue))
                }
            }
        }
    }

    static func isPseudonym(_ code: String) -> Bool {
        !code.isEmpty && code.count <= 32 && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    // MARK: Events

    /// Times an event by the session clock (or `sessionSeconds` when given),
    /// numbers and records it (see `EventEmitter.record`).
    @discardableResult
    func emit(_ kind: String, _ fields: JSONObject, at sessionSeconds: Double? = nil, phase: String? = nil,
              session: String? = nil) throws -> EventTicket {
        // The clocks and phase from the runtime itself: the full status is built
        // only for monitors, once the event is durable.
        let active = inner.withLock { $0.active }
        var now = 0.0
        var t0Now: Double?
        var phaseNow: String?
        if let active {
            let (heard, t0) = active.clock()
            let rate = Double(active.sampleRate)
            now = Double(heard) / rate
            t0Now = t0.map { Double(heard - $0) / rate }
            if active.musicEndedFrame == nil, let runtime = active.runtime {
                phaseNow = runtime.snapshot().timeline.phase(at: heard).map { active.loaded.plan.phases[$0].name }
            }
        }
        var event: JSONObject = [:]
        event["kind"] = .string(kind)
        let seconds = sessionSeconds ?? now
        event["session_seconds"] = .number(seconds)
        event["t0_seconds"] = .optional(t0Now.map { seconds - (now - $0) })
        event["phase"] = .optional(phase ?? phaseNow)
        event["fields"] = .object(fields)
        return try events.record(event, session: session ?? active?.id ?? "none") { [unowned self] in status() }
    }

    /// Where session `id`'s log is, when the events go to a timeline log.
    func logPath(of id: String) -> String? {
        (sink as? TimelineLog)?.path(of: id) ?? (sink as? EventRecorder)?.log.path(of: id)
    }

    /// The folder of the session logs, when the events go to a timeline log.
    var logDirectory: String? { (sink as? TimelineLog)?.directory ?? (sink as? EventRecorder)?.log.directory }
}

/// glibc's `malloc_trim` (malloc.h), which the Glibc module does not export.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
