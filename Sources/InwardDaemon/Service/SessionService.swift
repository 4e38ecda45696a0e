import InwardAudio
import InwardCore
public import InwardProtocol
public import Logging
import Foundation
import InwardLog
import Synchronization

/// The `io.inward.Session` service: starts sessions, turns controls into
/// engine actions, numbers and records every event, and streams them to
/// monitors.
///
/// Calls arrive on the server thread, engine events on the mix thread and the
/// session's end on the audio thread; `inner` (a mutex) is the one place all
/// three meet. Nothing here runs on the audio thread's hot path.
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

    /// Marks a therapist can record (the protocol's spelling; `-` is read as
    /// `_`, and `adverse` as `adverse_event`).
    public static let markKinds: Set<String> = [
        "vitals", "statement", "adverse_event", "note", "eyeshades_off", "eyeshades_on", "headphones_off",
        "headphones_on", "bathroom", "ready_to_leave", "discharge", "other",
    ]

    static func markKind(_ text: String) -> String? {
        let kind = text.lowercased().replacingOccurrences(of: "-", with: "_")
        let canonical = kind == "adverse" ? "adverse_event" : kind
        return markKinds.contains(canonical) ? canonical : nil
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
        let runtime: SessionRuntime
        let sink: any AudioSink
        let phaseObjects: [JSONValue]
        let planSHA256: String
        var track: Track?
        /// Session seconds of the vitals marked so far (for the plan's [vitals] schedule).
        var vitals: [Double] = []

        init(id: String, loaded: LoadedPlan, planFile: String, client: String?, runtime: SessionRuntime, sink: any AudioSink) {
            self.id = id
            self.loaded = loaded
            self.planFile = planFile
            planSHA256 = SHA256.hex(Array(loaded.text.utf8))
            self.client = client
            self.runtime = runtime
            self.sink = sink
            phaseObjects = SessionService.phaseObjects(loaded.plan)
        }
    }

    struct Inner {
        var state = SessionState()
        var active: Active?
        var seq: Int64 = 0
        var monitors: [ConnectionID: any VarlinkResponder] = [:]
    }

    public let configuration: Configuration
    let logger: Logger
    let sink: any EventSink
    let inner = Mutex(Inner())
    /// Held while an event is numbered and appended (never while waiting for the disk).
    private let recording = Mutex(())
    private let ended = Semaphore()
    /// Engine events are numbered and recorded here, in order, off the mix thread.
    private let engineEvents = DispatchQueue(label: "inward.engine-events")

    /// Where the session under way is saved for a restart; nil keeps no state.
    let resumeStore: ResumeStore?

    /// Track loudness, measured once and kept, for plans with a `loudness_target`.
    let loudness: TrackLoudness

    public init(configuration: Configuration, events: any EventSink, logger: Logger, resumeStore: ResumeStore? = nil,
                loudnessCache: String? = nil) {
        loudness = TrackLoudness(cacheFile: loudnessCache)
        self.configuration = configuration
        self.sink = events
        self.logger = logger
        self.resumeStore = resumeStore
    }

    // MARK: VarlinkHandler

    public func handle(_ call: VarlinkCall, from connection: ConnectionID, responder: any VarlinkResponder) {
        do {
            let reply = try dispatch(call, connection: connection, responder: responder)
            if let reply { responder.send(reply) }
        } catch let error as VarlinkProtocolError {
            responder.send(error.reply)
        } catch let error as ServiceError {
            responder.send(error.reply)
        } catch {
            responder.send(InwardSessionInterface.Errors.invalidParameter("", reason: "\(error)"))
        }
    }

    public func connectionClosed(_ connection: ConnectionID) {
        _ = inner.withLock { $0.monitors.removeValue(forKey: connection) }
    }

    /// A refusal with the Varlink error that says why.
    struct ServiceError: Error {
        let reply: VarlinkReply
        init(_ reply: VarlinkReply) { self.reply = reply }
    }

    private func dispatch(_ call: VarlinkCall, connection: ConnectionID, responder: any VarlinkResponder) throws -> VarlinkReply? {
        // Only io.inward.Session calls act on the session: `x.y.Stop` is InterfaceNotFound, not a stop.
        guard call.interface == InwardSessionInterface.name else {
            return VarlinkService.unknownMethodReply(call) ?? VarlinkService.Errors.methodNotImplemented(call.method)
        }
        switch call.methodName {
        case "Start":
            try call.checkParameters(allowed: ["plan", "client"])
            return try start(plan: try call.string("plan"), client: try call.optionalString("client"))
        case "Dose":
            try call.checkParameters(allowed: ["route", "amount", "lot"])
            return try dose(route: try call.optionalString("route"), amount: try call.optionalString("amount"),
                            lot: try call.optionalString("lot"))
        case "Status":
            try call.checkParameters(allowed: [])
            return VarlinkReply(["status": .object(status())])
        case "Monitor":
            try call.checkParameters(allowed: [])
            guard call.more else { return VarlinkService.Errors.expectedMore() }
            inner.withLock { $0.monitors[connection] = responder }
            return VarlinkReply(["status": .object(status())], continues: true)
        case "Pause", "Resume", "Silence":
            try call.checkParameters(allowed: ["by"])
            return try level(String(call.methodName), by: try call.optionalString("by"))
        case "Hold":
            try call.checkParameters(allowed: ["seconds", "by"])
            return try hold(seconds: try call.double("seconds"), by: try call.optionalString("by"))
        case "Next":
            try call.checkParameters(allowed: ["by"])
            return try next(by: try call.optionalString("by"))
        case "Skip":
            try call.checkParameters(allowed: ["by"])
            return try skip(by: try call.optionalString("by"))
        case "SetVolume":
            try call.checkParameters(allowed: ["db", "by"])
            return try setVolume(db: try call.double("db"), by: try call.optionalString("by"))
        case "Mark":
            try call.checkParameters(allowed: ["kind", "text", "fields"])
            return try mark(kind: try call.string("kind"), text: try call.optionalString("text"),
                            fields: try call.optionalObject("fields"))
        case "Stop":
            try call.checkParameters(allowed: ["by"])
            return try stop(by: try call.optionalString("by"))
        case "ListPlans":
            try call.checkParameters(allowed: [])
            return VarlinkReply(["plans": .array(PlanCatalog(directories: configuration.daemon.plansDirectories).list().map { .object($0) })])
        default:
            return VarlinkService.unknownMethodReply(call) ?? VarlinkService.Errors.methodNotImplemented(call.method)
        }
    }

    // MARK: Session lifecycle

    private func start(plan name: String, client: String?) throws -> VarlinkReply {
        let errors = InwardSessionInterface.Errors.self
        if let client, !Self.isPseudonym(client) {
            throw ServiceError(errors.invalidParameter("client", reason:
                "use the client's pseudonymous code (letters, digits, - and _, at most 32), never a name"))
        }
        if let running = inner.withLock({ $0.active?.id }) { throw ServiceError(errors.sessionActive(sessionID: running)) }
        guard let file = PlanCatalog(directories: configuration.daemon.plansDirectories).resolve(name) else {
            throw ServiceError(errors.planNotFound(plan: name))
        }
        let loaded: LoadedPlan
        do {
            loaded = try PlanLoader.load(file)
        } catch {
            let first = error.diagnostics.first { $0.severity == .error } ?? error.diagnostics.first
            throw ServiceError(errors.planInvalid(file: first?.file ?? file, line: first?.line, key: first?.key,
                                                  message: first?.message ?? "invalid plan"))
        }
        measureLoudness(loaded, firstPhase: 0, firstEntry: 0)
        let audio: any AudioSink
        do {
            audio = try openDevice(sampleRate: configuration.daemon.sampleRate)
        } catch {
            throw ServiceError(errors.deviceUnavailable(device: configuration.daemon.device, reason: "\(error)"))
        }
        let id = WallClock.sessionID()
        let runtime = makeRuntime(id: id, loaded: loaded, sink: audio)
        let active = Active(id: id, loaded: loaded, planFile: file, client: client, runtime: runtime, sink: audio)
        try inner.withLock { inner in
            guard inner.active == nil else { throw ServiceError(errors.sessionActive(sessionID: inner.active!.id)) }
            _ = try? inner.state.apply(.start(hasUntilDosePhase: loaded.plan.untilDoseIndex != nil))
            inner.active = active
            inner.seq = 0   // each session's log numbers its lines from 1
        }
        var startFields: JSONObject = [
            "session_id": .string(id), "plan": .string(loaded.plan.name), "plan_file": .string(file),
            "plan_sha256": .string(active.planSHA256),
            "client": .optional(client), "device": .string(configuration.daemon.device),
            "sample_rate": .integer(Int64(audio.sampleRate)),
        ]
        if let vitals = loaded.plan.vitals {
            // The plan's schedule, so the review can say which readings were taken and which missed.
            startFields["vitals"] = .object([
                "before_dose": .bool(vitals.beforeDose), "at_t0_seconds": .array(vitals.at.map { .number($0) }),
                "every_seconds": .optional(vitals.every),
            ])
        }
        do {
            try emit("session.start", startFields)
        } catch {
            // A session that cannot be recorded does not start.
            inner.withLock { inner in
                _ = try? inner.state.apply(.ended)
                inner.active = nil
            }
            audio.close()
            throw error
        }
        for warning in loaded.warnings { _ = try? emit("plan.warning", ["message": .string(warning.description)]) }
        runtime.start()
        SystemdNotify.status("session \(id): plan \(loaded.plan.name), waiting for the dose")
        if !runtime.realtimeScheduling {
            logger.notice("audio thread runs without real-time scheduling (needs CAP_SYS_NICE or LimitRTPRIO)",
                          metadata: ["session.id": "\(id)"])
        }
        let reply = VarlinkReply(["session_id": .string(id), "status": .object(status())])   // the state as the control left it
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    /// For a plan with a loudness target: measures the track heard first now
    /// (it must be known before it starts), and the rest in playing order in
    /// the background, long before they are needed. Call before the device
    /// is opened, so a long first track keeps no device idle.
    func measureLoudness(_ loaded: LoadedPlan, firstPhase: Int?, firstEntry: Int) {
        guard loaded.plan.loudnessTarget != nil else { return }
        if let phase = firstPhase, let path = loaded.playlists[phase]?.dropFirst(firstEntry).first?.path {
            loudness.measure(path)
        }
        loudness.measureInBackground(loaded.playlistPaths)
    }

    /// The room's ALSA device, as configured.
    func openDevice(sampleRate: Int) throws(AudioError) -> AlsaSink {
        try AlsaSink(device: configuration.daemon.device, sampleRate: sampleRate,
                     format: configuration.daemon.format,
                     periodFrames: configuration.daemon.periodFrames, bufferFrames: configuration.daemon.bufferFrames)
    }

    func makeRuntime(id: String, loaded: LoadedPlan, sink audio: any AudioSink, t0: Int64? = nil,
                             resume: SessionMixer.Resume? = nil) -> SessionRuntime {
        var options = SessionRuntime.Options()
        options.periodFrames = configuration.daemon.periodFrames
        options.ringFrames = configuration.ringFrames
        options.pace = configuration.daemon.pace
        return SessionRuntime(plan: loaded.plan, playlists: loaded.playlists, sink: audio, options: options,
                              t0: t0, resume: resume, loudness: loudness,
                              onEvents: { [weak self] events in
                                  // Recorded off the mix thread: a slow disk must not starve the audio.
                                  guard let service = self else { return }
                                  service.engineEvents.async { service.engine(events, session: id) }
                              },
                              onEnd: { [weak self] end in
                                  // After every engine event of the session, in order.
                                  guard let service = self else { return }
                                  service.engineEvents.async { service.sessionEnded(id, end) }
                              })
    }

    private func sessionEnded(_ id: String, _ end: SessionRuntime.End) {
        let reason: String
        switch end {
        case .completed: reason = "completed"
        case .stopped: reason = "stopped"
        case .deviceError(let message): reason = "device error: \(message)"
        }
        let ending = inner.withLock { $0.active?.id == id ? $0.active : nil }
        if case .deviceError(let message) = end {
            _ = try? emit("device.error", ["device": .string(configuration.daemon.device), "message": .string(message)], session: id)
        }
        var endFields: JSONObject = ["session_id": .string(id), "reason": .string(reason)]
        if let ending {
            endFields["xruns"] = .integer(Int64(ending.sink.xrunCount))
            endFields["underruns"] = .integer(Int64(ending.runtime.underrunCount))
        }
        _ = try? emit("session.end", endFields, session: id)
        let active = inner.withLock { inner -> Active? in
            guard inner.active?.id == id else { return nil }
            _ = try? inner.state.apply(.ended)
            defer { inner.active = nil }
            return inner.active
        }
        active?.sink.close()
        if active != nil { resumeStore?.remove() }
        SystemdNotify.status("idle; session \(id) \(reason)")
        ended.signal()
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

    /// Fades out (over the configured stop fade) and waits for the session to end; for
    /// SIGTERM and SIGINT.
    public func shutdown() {
        guard let runtime = inner.withLock({ $0.active?.runtime }) else { return }
        // The same stop a therapist gives (unless one is already fading); its saved
        // state keeps a kill during the fade from bringing the session back.
        _ = try? stop(by: "signal")
        let seconds = configuration.stopFade
        if !runtime.waitUntilEnded(seconds: seconds + 5) {
            runtime.terminate()
            runtime.waitUntilEnded(seconds: 2)
        }
        engineEvents.sync {}   // session.end recorded before the daemon exits
    }

    // MARK: Controls

    private func requireActive() throws -> Active {
        guard let active = inner.withLock({ $0.active }) else { throw ServiceError(InwardSessionInterface.Errors.noSession()) }
        return active
    }

    private func requireNotStopping() throws {
        let state = inner.withLock { $0.state.phase }
        if state == .stopping { throw ServiceError(InwardSessionInterface.Errors.notWaitingForDose(state: state.rawValue)) }
    }

    private func apply(_ control: SessionState.Control) throws -> SessionState.Outcome {
        let errors = InwardSessionInterface.Errors.self
        return try inner.withLock { inner in
            do throws(SessionState.Refusal) {
                return try inner.state.apply(control)
            } catch {
                switch error {
                case .noSession: throw ServiceError(errors.noSession())
                case .sessionActive: throw ServiceError(errors.sessionActive(sessionID: inner.active?.id ?? ""))
                case .stopping: throw ServiceError(errors.notWaitingForDose(state: inner.state.phase.rawValue))
                }
            }
        }
    }

    private func dose(route: String?, amount: String?, lot: String?) throws -> VarlinkReply {
        let active = try requireActive()
        let outcome = try apply(.dose)
        let (_, frame) = active.runtime.dose()
        var fields: JSONObject = ["route": .string(route ?? active.loaded.plan.route.rawValue)]
        if let amount { fields["amount"] = .string(amount) }
        if let lot { fields["lot"] = .string(lot) }
        fields["frame"] = .integer(frame)
        let reply = try acknowledge(outcome == .t0 ? "dose" : "booster", fields,
                                    ["t0": .bool(outcome == .t0), "booster": .bool(outcome == .booster)])
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    private func level(_ method: String, by: String?) throws -> VarlinkReply {
        let active = try requireActive()
        let c = configuration
        let reply: VarlinkReply
        switch method {
        case "Pause":
            if try apply(.pause) == .changed { active.runtime.send(.pause(seconds: c.pauseFade)) }
            reply = try acknowledge("control.pause", ["by": .string(by ?? "therapist"), "fade_seconds": .number(c.pauseFade)])
        case "Resume":
            if try apply(.resume) == .changed { active.runtime.send(.resume(seconds: c.pauseFade)) }
            reply = try acknowledge("control.resume", ["by": .string(by ?? "therapist"), "fade_seconds": .number(c.pauseFade)])
        default:
            if try apply(.silence) == .changed { active.runtime.send(.silence(seconds: c.silenceFade)) }
            reply = try acknowledge("control.silence", ["by": .string(by ?? "therapist"), "fade_seconds": .number(c.silenceFade)])
        }
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    private func hold(seconds: Double, by: String?) throws -> VarlinkReply {
        let errors = InwardSessionInterface.Errors.self
        guard seconds.isFinite, seconds > 0 else {
            throw ServiceError(errors.invalidParameter("seconds", reason: "a hold must be a positive number of seconds"))
        }
        let active = try requireActive()
        try requireNotStopping()
        let snapshot = active.runtime.snapshot()
        guard let phase = snapshot.timeline.phase(at: snapshot.heard) else { throw ServiceError(errors.noNextPhase()) }
        let plan = active.loaded.plan
        let rate = Double(active.runtime.sampleRate)
        let maxSeconds = plan.phases[phase].maxExtend
        if plan.phases[phase].length == .untilDose { throw ServiceError(errors.waitingForDose()) }
        let before = Double(snapshot.held) / rate
        if before >= maxSeconds - 1e-9 { throw ServiceError(errors.holdLimit(heldSeconds: before, maxSeconds: maxSeconds)) }
        let total = Double(active.runtime.hold(seconds: seconds) ?? 0) / rate
        try emit("control.hold", ["by": .string(by ?? "therapist"), "seconds": .number(total - before),
                              "requested_seconds": .number(seconds), "held_seconds": .number(total)])
        let reply = VarlinkReply(["held_seconds": .number(total), "max_seconds": .number(maxSeconds)])   // the state as the control left it
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    private func next(by: String?) throws -> VarlinkReply {
        let errors = InwardSessionInterface.Errors.self
        let active = try requireActive()
        try requireNotStopping()
        let snapshot = active.runtime.snapshot()
        guard let phase = snapshot.timeline.phase(at: snapshot.heard) else { throw ServiceError(errors.noNextPhase()) }
        let plan = active.loaded.plan
        if plan.phases[phase].length == .untilDose { throw ServiceError(errors.waitingForDose()) }
        if phase == plan.phases.count - 1 { throw ServiceError(errors.noNextPhase()) }
        active.runtime.next()
        let from = JSONValue.string(plan.phases[phase].name), to = JSONValue.string(plan.phases[phase + 1].name)
        let reply = try acknowledge("control.next", ["by": .string(by ?? "therapist"), "from": from, "to": to],
                                    ["from": from, "to": to, "to_index": .integer(Int64(phase + 1))])
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    private func skip(by: String?) throws -> VarlinkReply {
        let active = try requireActive()
        guard active.runtime.skip() else { throw ServiceError(InwardSessionInterface.Errors.nothingToSkip()) }
        return try acknowledge("control.skip", ["by": .string(by ?? "therapist")])
    }

    private func setVolume(db: Double, by: String?) throws -> VarlinkReply {
        guard db.isFinite else {
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter("db", reason: "the volume must be a number of dB"))
        }
        let active = try requireActive()
        let applied = active.runtime.setVolume(db: db, seconds: configuration.volumeRamp)
        let clamped = abs(applied - db) > 1e-9
        try emit("control.volume", ["by": .string(by ?? "therapist"), "db": .number(applied), "requested_db": .number(db),
                                "clamped": .bool(clamped), "ramp_seconds": .number(configuration.volumeRamp)])
        let reply = VarlinkReply(["volume_db": .number(applied), "clamped": .bool(clamped)])   // the state as the control left it
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    private func mark(kind: String, text: String?, fields: JSONObject?) throws -> VarlinkReply {
        guard let kind = Self.markKind(kind) else {
            throw ServiceError(InwardSessionInterface.Errors.invalidParameter("kind", reason:
                "unknown mark '\(kind)'; use one of \(Self.markKinds.sorted().joined(separator: ", "))"))
        }
        let active = try requireActive()
        var all: JSONObject = [:]
        if let text { all["text"] = .string(text) }
        for member in fields ?? [:] { all[member.key] = member.value }
        let seq = try emit("mark.\(kind)", all)
        if kind == "vitals" {
            let heard = Double(active.runtime.snapshot().heard) / Double(active.runtime.sampleRate)
            inner.withLock { _ in active.vitals.append(heard) }
            saveResumeState()
        }
        return VarlinkReply(["seq": .integer(seq)])
    }

    private func stop(by: String?) throws -> VarlinkReply {
        let active = try requireActive()
        if try apply(.stop) == .changed {
            active.runtime.stop(fade: configuration.stopFade)
        }
        let reply = try acknowledge("control.stop", ["by": .string(by ?? "therapist"), "fade_seconds": .number(configuration.stopFade)])
        saveResumeState()   // before the reply is sent: what is acknowledged survives a crash
        return reply
    }

    /// Records a control's event and builds its reply around the status as
    /// the control left it: taken before the event's fsync, which on a loaded
    /// machine can last long enough for the session to move on (after Next,
    /// into the phase after the one left), with `last_seq` counting the
    /// control's own event. Throws `LogWriteFailed` as `emit` does.
    private func acknowledge(_ kind: String, _ fields: JSONObject, _ reply: JSONObject = [:]) throws -> VarlinkReply {
        var left = status()
        let seq = try emit(kind, fields)
        left["last_seq"] = .integer(seq)
        var reply = reply
        reply["status"] = .object(left)
        return VarlinkReply(reply)
    }

    static func isPseudonym(_ code: String) -> Bool {
        !code.isEmpty && code.count <= 32 && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    // MARK: Engine events

    private func engine(_ events: [EngineEvent], session id: String) {
        guard let active = inner.withLock({ $0.active }), active.id == id else { return }
        let plan = active.loaded.plan
        let rate = Double(active.runtime.sampleRate)
        for e in events {
            var fields: JSONObject = ["frame": .integer(e.frame)]
            if e.phase >= 0 && e.phase < plan.phases.count { fields["phase_index"] = .integer(Int64(e.phase)) }
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
            if e.kind == .trackStarted, let entry = e.entry, let path = e.path {
                inner.withLock { _ in
                    // The session frame of the track's own frame 0 (before e.frame when it began mid-track).
                    active.track = Track(phase: e.phase, entry: entry, path: path, title: e.title, artist: e.artist,
                                         frame: e.frame - e.offset)
                }
                saveResumeState()
            }
            if e.kind == .soundscapeTakeover { inner.withLock { _ in active.track = nil } }
            if e.kind == .sessionEnded { continue }   // the service records the end itself
            if e.kind == .phaseStarted || e.kind == .phaseEnded, e.phase >= 0 && e.phase < plan.phases.count {
                // Planned against actual: the plan's length, the timeline's boundary now, the frame heard.
                if case .fixed(let sec) = plan.phases[e.phase].length {
                    fields["planned_seconds"] = .number(sec)
                } else {
                    fields["planned_seconds"] = .null
                }
                let span = active.runtime.snapshot().timeline.spans[e.phase]
                let boundary = e.kind == .phaseStarted ? span.start : span.end
                fields["timeline_seconds"] = .optional(boundary.map { Double($0) / rate })
                fields["actual_seconds"] = .number(Double(e.frame) / rate)
                if e.kind == .phaseEnded, let start = span.start {
                    fields["actual_length_seconds"] = .number(Double(e.frame - start) / rate)
                }
                if e.kind == .phaseStarted {
                    SystemdNotify.status("session \(id): phase \(e.phase + 1) of \(plan.phases.count), \(plan.phases[e.phase].name)"
                        + (e.reason == "resumed" ? " (resumed after a restart)" : ""))
                    // The plan's level and fades, so the review draws the level envelope in real dB.
                    let phase = plan.phases[e.phase]
                    fields["level_db"] = .number(phase.levelDB)
                    fields["fade_in_seconds"] = .number(phase.fadeIn)
                    fields["fade_out_seconds"] = .number(phase.fadeOut)
                }
            }
            let phaseName = e.phase >= 0 && e.phase < plan.phases.count ? plan.phases[e.phase].name : nil
            _ = try? emit(e.kind.rawValue, fields, at: Double(e.frame) / rate, phase: phaseName)
        }
    }

    // MARK: Events and status

    /// Numbers, times and records an event, then streams it to monitors.
    /// Throws `LogWriteFailed` when the event could not be made durable: a
    /// control must then not be acknowledged as recorded.
    @discardableResult
    func emit(_ kind: String, _ fields: JSONObject, at sessionSeconds: Double? = nil, phase: String? = nil,
                      session: String? = nil) throws -> Int64 {
        // The clocks and phase from the runtime itself: the full status is built
        // only for monitors, after the event is numbered.
        let active = inner.withLock { $0.active }
        var now = 0.0
        var t0Now: Double?
        var phaseNow: String?
        if let active {
            let snap = active.runtime.snapshot()
            let rate = Double(active.runtime.sampleRate)
            now = Double(snap.heard) / rate
            t0Now = snap.t0.map { Double(snap.heard - $0) / rate }
            phaseNow = snap.timeline.phase(at: snap.heard).map { active.loaded.plan.phases[$0].name }
        }
        let sessionID = session ?? active?.id ?? "none"
        var event: JSONObject = [:]
        event["kind"] = .string(kind)
        let seconds = sessionSeconds ?? now
        event["session_seconds"] = .number(seconds)
        event["t0_seconds"] = .optional(t0Now.map { seconds - (now - $0) })
        event["phase"] = .optional(phase ?? phaseNow)
        event["fields"] = .object(fields)
        // Numbering and appending in one order, so the log's lines come in seq
        // order; the wait for the disk (shared by concurrent callers) is outside it.
        var failure: (any Error)?
        let (seq, commit) = recording.withLock { _ -> (Int64, EventCommit?) in
            let seq = inner.withLock { inner -> Int64 in
                inner.seq += 1
                return inner.seq
            }
            event["seq"] = .integer(seq)
            event["time"] = .string(WallClock.now())
            do {
                if let staged = sink as? any StagedEventSink { return (seq, try staged.stage(event, session: sessionID)) }
                try sink.record(event, session: sessionID)
            } catch {
                failure = error
            }
            return (seq, nil)
        }
        if failure == nil {
            do { try commit?.waitUntilDurable() } catch { failure = error }
        }
        let monitors = inner.withLock { Array($0.monitors.values) }
        if !monitors.isEmpty {
            let reply = VarlinkReply(["event": .object(event), "status": .object(status())], continues: true)
            for m in monitors where m.isOpen { m.send(reply) }
        }
        if let failure {
            logger.error("cannot record event", metadata: ["session.id": "\(sessionID)", "kind": "\(kind)", "seq": "\(seq)",
                                                          "error": "\(failure)"])
            let path = (failure as? LogWriteError)?.path ?? sessionID
            let reason = (failure as? LogWriteError)?.reason ?? "\(failure)"
            throw ServiceError(InwardSessionInterface.Errors.logWriteFailed(path: path, reason: reason))
        }
        return seq
    }

    /// The status object of the IDL's `SessionStatus`.
    public func status() -> JSONObject {
        let (state, active, seq, boosters) = inner.withLock { ($0.state.phase, $0.active, $0.seq, $0.state.boosters) }
        // Built in order into an array: Status is the most frequent call, and
        // setting keys one by one would search the object each time.
        var m: [JSONObject.Member] = []
        m.reserveCapacity(20)
        func put(_ key: String, _ value: JSONValue) { m.append(JSONObject.Member(key: key, value: value)) }
        put("state", .string(state.rawValue))
        guard let active else {
            for key in ["session_id", "plan", "client", "phase"] { put(key, .null) }
            put("phase_count", .integer(0))
            put("seconds_in_phase", .number(0))
            put("seconds_left", .null)
            put("session_seconds", .number(0))
            put("t0_seconds", .null)
            put("boosters", .integer(0))
            put("vitals_due", .null)
            put("track", .null)
            put("volume_db", .number(0))
            put("volume_cap_db", .number(0))
            put("level_db", .null)
            put("device", .string(configuration.daemon.device))
            put("paused", .bool(false))
            put("held_seconds", .number(0))
            put("last_seq", .integer(0))   // the IDL: 0 when idle
            return JSONObject(m)
        }
        let plan = active.loaded.plan
        let snap = active.runtime.snapshot()
        let rate = Double(active.runtime.sampleRate)
        let index = snap.timeline.phase(at: snap.heard)
        put("session_id", .string(active.id))
        put("plan", .string(plan.name))
        put("client", .optional(active.client))
        if let index {
            let span = snap.timeline.spans[index]
            put("phase", active.phaseObjects[index])
            put("seconds_in_phase", .number(Double(snap.heard - (span.start ?? 0)) / rate))
            put("seconds_left", .optional(span.end.map { Double(max(0, $0 - snap.heard)) / rate }))
            put("level_db", .number(plan.phases[index].levelDB))
        } else {
            put("phase", .null)
            put("seconds_in_phase", .number(0))
            put("seconds_left", .null)
            put("level_db", .null)
        }
        put("phase_count", .integer(Int64(plan.phases.count)))
        put("session_seconds", .number(Double(snap.heard) / rate))
        put("t0_seconds", .optional(snap.t0.map { Double(snap.heard - $0) / rate }))
        put("boosters", .integer(Int64(boosters)))
        let (track, vitals) = inner.withLock { _ in (active.track, active.vitals) }
        if let schedule = plan.vitals,
           let due = schedule.due(now: Double(snap.heard) / rate, t0: snap.t0.map { Double($0) / rate }, readings: vitals) {
            put("vitals_due", .object(["t0_seconds": .optional(due.t0Seconds), "in_seconds": .number(due.inSeconds)]))
        } else {
            put("vitals_due", .null)
        }
        if let track, track.phase == index {
            put("track", .object([
                "path": .string(track.path), "title": .optional(track.title), "artist": .optional(track.artist),
                "index": .integer(Int64(track.entry)), "position_seconds": .number(Double(max(0, snap.heard - track.frame)) / rate),
                "duration_seconds": .null,
            ]))
        } else {
            put("track", .null)
        }
        put("volume_db", .number(snap.volumeDB))
        put("volume_cap_db", .number(snap.maxVolumeDB))
        put("device", .string(configuration.daemon.device))
        put("paused", .bool(state == .paused || state == .silenced))
        put("held_seconds", .number(Double(snap.held) / rate))
        put("last_seq", .integer(seq))
        return JSONObject(m)
    }

    /// The IDL's `Phase` object of each phase of a plan (they do not change
    /// during a session).
    static func phaseObjects(_ plan: Plan) -> [JSONValue] {
        plan.phases.enumerated().map { index, phase in
            var planned: Double?
            if case .fixed(let sec) = phase.length { planned = sec }
            let source: String
            switch phase.source {
            case .playlist: source = "playlist"
            case .soundscape: source = "soundscape"
            case .silence: source = "silence"
            }
            return .object([
                "index": .integer(Int64(index)), "name": .string(phase.name), "planned_seconds": .optional(planned),
                "until_dose": .bool(phase.length == .untilDose), "source": .string(source),
                "level_db": .number(phase.levelDB), "fade_in_seconds": .number(phase.fadeIn),
                "fade_out_seconds": .number(phase.fadeOut), "max_hold_seconds": .number(phase.maxExtend),
            ])
        }
    }
}
