public import InwardAudio
public import InwardCore
import InwardPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One session playing in real time: a mix thread that decodes ahead and
/// mixes into a ring, and a real-time audio thread that takes the ring
/// through the output stage into the sink.
///
/// The audio thread only copies, multiplies and writes: no allocation, no
/// locks, no I/O but the PCM write. Controls that shape the music's level
/// (volume, pause, silence, stop) reach it through a lock-free command ring
/// and are heard one device buffer later. Controls that change the plan's
/// course (dose, hold, next, skip) go to the mixer under the mix lock, which
/// only the mix and control threads take, and are heard one ring later.
///
/// The session clock is the sample clock: `playedFrames` counts frames the
/// audio thread has written, and every event carries the frame it is heard at.
///
/// A device that fails (a write error the sink cannot recover from) does not
/// end the session. The audio thread marks it lost (an atomic), wakes the
/// device thread and goes on mixing into nothing at the wall clock's pace, so
/// the session clock, the mixer's course and every logged frame stay exact.
/// The device thread (`inward-device`) closes the lost sink, opens a new one
/// once a second (`DeviceOutage`) and offers it; the audio thread takes it
/// at its next period and fades the music in where the session is by then.
/// Ownership of the sink follows the state: the audio thread's while the
/// device plays, the device thread's while it is lost.
///
/// On a device that can take back queued frames (ALSA hw, dmix) in a room
/// with one output, the audio thread plays through `RewindingWriter`: a deep
/// device buffer, level controls rewound into it and heard within 100 ms,
/// and `playedFrames` counting only frames no rewind can reach any more.
///
/// A room with several outputs (headphones, speakers): the first is the
/// clock, played by the audio thread as above. The audio thread applies the
/// master controls once (`OutputStage.processControls`: the mix is final
/// there), pushes the block into each other output's ring (`OutputFollower`,
/// a thread each, kept in step by drift correction), then takes it through
/// the first output's own level and limiter (`OutputLevel`) to its device.
/// It publishes the session frame its device is playing after every write,
/// which the other outputs steer towards. When the first output is lost, the
/// clock passes to another output that plays, and back once the first is in
/// step with it again (`ClockHandover`).
public final class SessionRuntime: @unchecked Sendable {
    public struct Options: Sendable {
        /// Frames per write to the sink.
        public var periodFrames = 1024
        /// Frames mixed ahead of the audio thread.
        public var ringFrames = 8192
        /// Throttle an unpaced sink to this many times real time (nil: as the sink goes).
        public var pace: Double?
        /// Rewind a device that can take back queued frames when a level
        /// control arrives (`RewindingWriter`); false plays every device the plain way.
        public var rewinding = true
        /// Frames the rewinding writer leaves in front of the hardware pointer
        /// (nil: `RewindingWriter.margin`); tests set it to show what too small a one does.
        public var rewindMarginFrames: Int?
        /// soxr's quality for tracks at another rate than the device's.
        public var resampler = Resampler.Quality.roomDefault
        public init() {}
    }

    public enum End: Sendable, Equatable {
        case completed
        case stopped
    }

    /// An output's device going and coming back, reported on the thread that found it.
    public enum DeviceChange: Sendable, Equatable {
        /// The output's device failed at session frame `frame`; `message` is the sink's error.
        case lost(output: String, message: String, frame: Int64)
        /// A new device took over at session frame `frame`, `gapSeconds` of session time after it was lost.
        case restored(output: String, frame: Int64, gapSeconds: Double)
        /// Output `output` paces the session from session frame `frame` on (nil: none plays, the wall clock).
        case clock(output: String?, frame: Int64)
    }

    /// One output of the room, opened, for the runtime to play to.
    public struct Output: @unchecked Sendable {
        public var name: String
        public var device: String
        public var levelDB: Double
        public var channels: (OutputLevel.Channel, OutputLevel.Channel)
        public var sink: any AudioSink
        /// Opens the device again after it was lost (called on a device or output thread).
        public var reopen: @Sendable () throws -> any AudioSink

        public init(name: String, device: String, levelDB: Double = 0,
                    channels: (OutputLevel.Channel, OutputLevel.Channel) = (.left, .right), sink: any AudioSink,
                    reopen: @escaping @Sendable () throws -> any AudioSink) {
            self.name = name
            self.device = device
            self.levelDB = levelDB
            self.channels = channels
            self.sink = sink
            self.reopen = reopen
        }
    }

    /// What status shows of one output.
    public struct OutputReport: Sendable, Equatable {
        public var name: String
        public var device: String
        public var levelDB: Double
        public var on: Bool
        /// dB it is raised by on top of `levelDB` while the headphones are off (0 when not).
        public var raiseDB: Double = 0
        /// playing, aligning (silent until in step with the first), lost.
        public var state: String
        /// The device's delay last measured, frames.
        public var delayFrames: Int?
        /// How far it lags the first output, frames (nil for the first, or not yet measured).
        public var offsetFrames: Double?
        /// Its resampling ratio (1 for the first output).
        public var ratio: Double
        /// True for the output pacing the session (the first, unless it is lost or rejoining).
        public var clock = false
    }

    public let plan: Plan
    public let sampleRate: Int
    private let options: Options
    /// The device played into: the audio thread's while `deviceState` is
    /// playing, the device thread's while it is lost.
    private var sink: any AudioSink
    /// Opens the device again after it was lost (called on the device thread).
    private let reopen: @Sendable () throws -> any AudioSink
    private let onDevice: @Sendable (DeviceChange) -> Void
    /// 0 playing, 1 lost, 2 a new sink offered in `offered`, 3 the audio thread taking it.
    private let deviceState = Atomic<Int>(0)
    /// Written by the device thread before `deviceState` becomes 2.
    private var offered: (any AudioSink)?
    /// Written by the audio thread before `deviceState` becomes 1.
    private var lostMessage = ""
    private let lostFrame = Atomic<Int>(0)
    private let restoredFrame = Atomic<Int>(0)
    private let deviceWake = Semaphore()
    /// The first output's name, device and own level stage (the audio thread's).
    private let clockName: String
    private let clockDevice: String
    private let clockLevel: OutputLevel
    /// The level asked of each output last, and on or off (control thread; status).
    private let outputLevels: Mutex<[(db: Double, on: Bool)]>
    /// Per output, dB added to its own level while the headphones are off (`raiseOutput`).
    private let outputRaises: Mutex<[Double]>
    private let clockDelay = Atomic<Int>(-1)
    /// The other outputs, each on its own thread.
    private let followers: [OutputFollower]
    /// Which output paces the session while the first is lost.
    private let handover: ClockHandover
    private let mixer: SessionMixer
    private let stage: OutputStage
    private let ring: AudioRing
    /// Free frames at which the mix thread is woken to fill the ring again.
    private var refillThreshold: Int { max(options.periodFrames, ring.capacity / 2) }
    private let commands = CommandRing<StageCommand>(capacity: 64, filler: .none)
    /// Posted with every command: wakes a rewinding writer asleep on a deep buffer.
    private let commandWake = Semaphore()
    private let mixLock = Mutex<Void>(())
    private let published: Mutex<Published>
    /// The volume last asked for (the stage belongs to the audio thread).
    private let requestedVolume = Mutex<Double>(0)
    private let spaceFreed = Semaphore()
    private let dataReady = Semaphore()
    private let finished = Semaphore()

    private let played = Atomic<Int>(0)
    private let mixDone = Atomic<Bool>(false)
    private let quit = Atomic<Bool>(false)
    private let underruns = Atomic<Int>(0)
    private let xruns = Atomic<Int>(0)
    private var reportedUnderruns = 0   // mix thread only
    private var reportedXruns = 0       // mix thread only
    private let endCode = Atomic<Int>(0)    // 0 running, 1 completed, 2 stopped
    /// Events posted by the mixer, handed to `onEvents` on the mix thread;
    /// `audio.loudness` minutes, on the meter thread.
    private let onEvents: @Sendable ([EngineEvent]) -> Void
    private let onEnd: @Sendable (End) -> Void
    public private(set) var realtimeScheduling = false
    /// Measures what the room heard (the tap is in `audioLoop`, after the output stage).
    private let heard: HeardMeter?

    /// - Parameters:
    ///   - t0, resume: for a session picked up again after a restart, its T0
    ///     and where and how it goes on; the session clock starts at the
    ///     resume frame.
    public init(plan: Plan, playlists: [Int: [PlaylistEntry]], outputs: [Output], options: Options = Options(),
                t0: Int64? = nil, resume: SessionMixer.Resume? = nil, loudness: TrackLoudness? = nil,
                onEvents: @escaping @Sendable ([EngineEvent]) -> Void,
                onDevice: @escaping @Sendable (DeviceChange) -> Void,
                onEnd: @escaping @Sendable (End) -> Void) {
        precondition(!outputs.isEmpty, "a session plays to at least one output")
        let sink = outputs[0].sink
        self.plan = plan
        self.sink = sink
        reopen = outputs[0].reopen
        self.onDevice = onDevice
        self.options = options
        self.onEvents = onEvents
        self.onEnd = onEnd
        sampleRate = sink.sampleRate
        let sources = PhaseSources(plan: plan, sampleRate: sink.sampleRate, playlists: playlists, quality: options.resampler,
                                   loudness: loudness)
        // A resumed session comes back through the output stage, under the
        // level speed limit; the mixer starts its phase at level, unheard.
        let mixer = SessionMixer(plan: plan, sources: sources, events: EngineEvents(), t0: t0,
                                 resume: resume.map { var r = $0; r.fade = 0; return r })
        let stage = OutputStage(plan: plan, sampleRate: sink.sampleRate)
        if let resume { stage.startSilent(fade: resume.fade) }
        self.mixer = mixer
        self.stage = stage
        ring = AudioRing(frames: max(options.ringFrames, 2 * options.periodFrames))
        heard = HeardMeter(sampleRate: sink.sampleRate, periodFrames: options.periodFrames) { minute in
            onEvents([EngineEvent(heard: minute)])
        }
        // The first frame mixed is heard once the limiter's delay has played.
        let origin = resume.map { Int($0.frame) + stage.latency } ?? 0
        self.origin = origin
        func level(_ o: Output) -> OutputLevel {
            OutputLevel(sampleRate: sink.sampleRate, levelDB: o.levelDB, capDB: plan.levelCapDB, lookahead: stage.lookahead,
                        map: o.channels)
        }
        clockName = outputs[0].name
        clockDevice = outputs[0].device
        clockLevel = level(outputs[0])
        outputLevels = Mutex(outputs.map { (OutputLevel.clamp($0.levelDB), true) })
        outputRaises = Mutex(outputs.map { _ in 0 })
        let clocked = options.pace == nil && outputs.contains { $0.sink.isClocked }
        followers = outputs.dropFirst().map { o in
            OutputFollower(name: o.name, device: o.device, sink: o.sink, level: level(o), periodFrames: options.periodFrames,
                           origin: origin, clocked: clocked, reopen: o.reopen, onDevice: onDevice)
        }
        handover = ClockHandover(names: outputs.map(\.name), followers: followers, clocked: clocked, sampleRate: sink.sampleRate,
                                 periodFrames: options.periodFrames, wake: deviceWake)
        published = Mutex(Published(timeline: mixer.timeline, t0: mixer.t0,
                                    holds: plan.phases.indices.map { mixer.held(phase: $0) }))
        played.store(origin, ordering: .relaxed)
    }

    /// The mixer's phase changes last published; the mix thread's alone.
    private var publishedPhaseChanges = 0

    /// The session frame the audio thread starts at (plus the limiter's delay): 0, or a resumed session's.
    private let origin: Int


    // MARK: Threads

    public func start() {
        for follower in followers { follower.start() }
        ThreadLauncher.start(name: "inward-mix") { [self] in mixLoop() }
        ThreadLauncher.start(name: "inward-device") { [self] in deviceLoop() }
        heard?.start()
        let audio = ThreadLauncher.start(name: "inward-audio", realtime: true) { [self] in audioLoop() }
        realtimeScheduling = audio.realtime
    }

    private func mixLoop() {
        let block = options.periodFrames
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 2 * SessionMixer.maxBlock)
        defer { buffer.deallocate() }
        // Mix in runs: once the ring is full, sleep until half of it has been
        // played, then fill it again. Fewer wake-ups is most of the daemon's
        // CPU cost when it plays in real time.
        var filling = true
        while !quit.load(ordering: .acquiring) {
            if ring.free < block { filling = false }
            if !filling {
                if ring.free >= refillThreshold {
                    filling = true
                } else {
                    // The audio thread signals once half the ring is free, and
                    // `terminate` signals too: the timeout is only a backstop
                    // (at 0.05 s it woke this thread 20 times a second for nothing).
                    spaceFreed.wait(seconds: 0.5)
                    continue
                }
            }
            let (n, events) = mixLock.withLock { _ -> (Int, [EngineEvent]) in
                mixer.prepare(frames: block)
                let n = mixer.render(into: buffer, frames: block)
                // A new phase plays its own soundscape: status says so (a little before it is heard).
                if mixer.phaseChanges != publishedPhaseChanges {
                    publishedPhaseChanges = mixer.phaseChanges
                    publish()
                }
                return (n, mixer.events.drain())
            }
            if n > 0 {
                _ = ring.write(from: buffer, frames: n)
                dataReady.signal()
            }
            var all = events
            // Underruns and xruns are counted on the audio thread and reported from here.
            let underrunsNow = underruns.load(ordering: .relaxed)
            if underrunsNow > reportedUnderruns {
                reportedUnderruns = underrunsNow
                all.append(EngineEvent(.underrun, frame: playedFrames, phase: -1, reason: "\(underrunsNow) in all"))
            }
            let xrunsNow = xruns.load(ordering: .relaxed)
            if xrunsNow > reportedXruns {
                reportedXruns = xrunsNow
                all.append(EngineEvent(.xrun, frame: playedFrames, phase: -1, reason: "\(xrunsNow) recovered in all"))
            }
            if !all.isEmpty { onEvents(all) }
            if n < block {
                mixDone.store(true, ordering: .releasing)
                dataReady.signal()
                return
            }
        }
    }

    private func audioLoop() {
        let period = options.periodFrames
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 2 * period)
        defer { buffer.deallocate() }
        let periodSeconds = Double(period) / Double(sampleRate)
        let started = MonotonicClock.seconds
        var tail = 0
        var code = 1
        let fadeFrames = Int(DeviceOutage.fadeInSeconds * Double(sampleRate))
        var fadeAt = fadeFrames             // frames into the fade-in after a restore; fadeFrames: none
        var rejoining = false               // the first output's device back, silent until in step (ClockHandover)
        var xrunBase = 0                    // xruns of the sinks lost before this one
        // Start the device only once the mixer has something for it.
        let primeDeadline = MonotonicClock.seconds + 10
        while ring.available < period && !mixDone.load(ordering: .acquiring) && !quit.load(ordering: .acquiring)
                && MonotonicClock.seconds < primeDeadline {
            dataReady.wait(seconds: 0.05)
        }
        // A paced, unclocked sink has no deadline: wait for the mixer, however
        // long it takes (a loaded machine, a sanitized build), rather than
        // insert silence. A real device must be fed in time.
        let patience: Double? = options.pace != nil ? nil : periodSeconds / 2
        // A single-output room on a device that can take back queued frames plays through the
        // rewinding writer; should the device fail there, the plain loop below takes the loss.
        var rewound = false
        if let writer = rewindingWriter() {
            switch writer.run() {
            case .ended(let c): code = c; rewound = true
            case .failed(let error): sink = FailedDevice(sink, error: error)
            }
        }
        loop: while !rewound && !quit.load(ordering: .acquiring) {
            while let command = commands.pop() { apply(command) }
            var n = ring.read(into: buffer, frames: period)
            while n < period {
                if mixDone.load(ordering: .acquiring) {
                    n += ring.read(into: buffer + 2 * n, frames: period - n)
                    if n < period {
                        (buffer + 2 * n).update(repeating: 0, count: 2 * (period - n))
                        tail += period - n
                    }
                    break
                }
                // Give the mix thread a moment before it counts as an underrun.
                if !dataReady.wait(seconds: patience ?? 0.05) {
                    if patience != nil {
                        underruns.add(1, ordering: .relaxed)
                    } else if !quit.load(ordering: .acquiring) {
                        continue   // paced: go on waiting
                    }
                    (buffer + 2 * n).update(repeating: 0, count: 2 * (period - n))
                    break
                }
                n += ring.read(into: buffer + 2 * n, frames: period - n)
            }
            if ring.free >= refillThreshold { spaceFreed.signal() }
            stage.processControls(buffer, frames: period)
            // The mix is final here: every other output takes it from this point. It is also what the
            // room hears, before each output's own level and limiter: the loudness meter's tap. Before
            // the limiters' look-ahead, its first frame is session frame `played`. Nothing rewinds frames
            // once they are rendered, so what is measured is never replaced.
            heard?.tap(buffer, count: period, at: Int64(played.load(ordering: .relaxed)))
            for follower in followers { follower.push(buffer, count: period) }
            handover.pushed()
            clockLevel.process(buffer, frames: period)
            handover.delayFirst(buffer, frames: period)   // behind the mix by as much as it led when it rejoined
            var device = deviceState.load(ordering: .acquiring)
            if device == 2, deviceState.compareExchange(expected: 2, desired: 3, ordering: .acquiringAndReleasing).exchanged {
                // The device thread keeps the lost sink until we let go of it here, so nothing is freed on this thread.
                sink = offered!
                offered = nil
                fadeAt = 0
                rejoining = handover.startRejoin(sink: sink, played: played.load(ordering: .relaxed))
                restoredFrame.store(played.load(ordering: .relaxed), ordering: .relaxed)
                deviceState.store(0, ordering: .releasing)
                device = 0
            }
            if device == 0 {
                if rejoining && handover.rejoined(played: played.load(ordering: .relaxed)) {
                    rejoining = false   // in step with the output that held the clock: it is heard again
                    fadeAt = 0
                }
                if fadeAt < fadeFrames {
                    for i in 0..<period {
                        let g = DeviceOutage.fadeInGain(frame: fadeAt + i, of: fadeFrames)
                        buffer[2 * i] *= g
                        buffer[2 * i + 1] *= g
                    }
                    fadeAt += period
                }
                do {
                    if rejoining {
                        try handover.writeSilence(to: sink, played: played.load(ordering: .relaxed))
                    } else {
                        try sink.write(buffer, frames: period)
                    }
                    xruns.store(xrunBase + sink.xrunCount, ordering: .relaxed)
                    if !followers.isEmpty, !rejoining, let delay = sink.delayFrames {
                        clockDelay.store(delay, ordering: .relaxed)
                        let heard = Double(played.load(ordering: .relaxed) + period - delay - handover.firstDelay)
                        let now = MonotonicClock.seconds
                        for follower in followers { follower.clockHeard(heard, at: now) }
                    }
                } catch {
                    // The failure path only: the error was allocated by the throw already.
                    lostMessage = "\(error)"
                    xrunBase += sink.xrunCount
                    rejoining = false
                    lostFrame.store(played.load(ordering: .relaxed), ordering: .relaxed)
                    handover.firstLost(played: played.load(ordering: .relaxed))
                    deviceState.store(1, ordering: .releasing)
                    deviceWake.signal()
                    device = 1
                }
            }
            let total = played.add(period, ordering: .releasing).newValue
            if let pace = options.pace, pace > 0 {
                let due = started + Double(total - origin) / (Double(sampleRate) * pace)
                let wait = due - MonotonicClock.seconds
                if wait > 0 { usleep(UInt32(wait * 1e6)) }
            } else if device != 0 || rejoining {
                // The first output is not the clock: the output holding it paces us, or the wall clock.
                handover.pace(total: total, quit: quit)
            }
            if stage.stopRemaining == 0 { code = 2; break }
            if tail > stage.latency { code = 1; break }
        }
        if deviceState.load(ordering: .acquiring) == 0 { try? sink.drain() }
        // The other outputs play out what their rings hold, so the session ends on every one.
        for follower in followers { follower.finish() }
        for follower in followers { follower.waitUntilDone(seconds: 5) }
        quit.store(true, ordering: .releasing)
        spaceFreed.signal()
        deviceWake.signal()
        heard?.finish()   // the last minute of loudness is logged before the end
        endCode.store(code, ordering: .releasing)
        switch code {
        case 2: onEnd(.stopped)
        default: onEnd(.completed)
        }
        finished.signal()
    }

    /// The rewinding writer for the clock output, when the room has that one
    /// output, plays in real time, and its device can take back queued frames
    /// (see `RewindingWriter`); nil otherwise. Audio thread, at its start.
    private func rewindingWriter() -> RewindingWriter? {
        guard options.rewinding, options.pace == nil, followers.isEmpty,
              let device = sink as? any RewindableSink, device.canRewind else { return nil }
        let feed = RewindingWriter.Feed(
            ring: ring, commands: commands, dataReady: dataReady, spaceFreed: spaceFreed, wake: commandWake,
            refillThreshold: refillThreshold, heard: heard, origin: origin,
            apply: { [unowned self] in apply($0) },
            mixDone: { [unowned self] in mixDone.load(ordering: .acquiring) },
            quit: { [unowned self] in quit.load(ordering: .acquiring) },
            underrun: { [unowned self] in underruns.add(1, ordering: .relaxed) },
            commit: { [unowned self] in played.store(origin + Int($0), ordering: .releasing) },
            xruns: { [unowned self] in xruns.store($0, ordering: .relaxed) })
        return RewindingWriter(sink: device, master: stage, level: clockLevel, blockFrames: options.periodFrames,
                               sampleRate: sampleRate, marginFrames: options.rewindMarginFrames, feed: feed)
    }

    /// The device thread: idle while the device plays; once the audio thread
    /// marks it lost, closes it, reports it, and tries to open the device
    /// again every `DeviceOutage.retryInterval` until it is back or the
    /// session ends. May block in the sink's open and close; never touches
    /// the ring or the stage.
    private func deviceLoop() {
        var sinkClosed = false
        defer {
            // Lost in the session's last period, before this thread looked: close it all the same.
            if deviceState.load(ordering: .acquiring) == 1 && !sinkClosed { sink.close() }
        }
        while !quit.load(ordering: .acquiring) {
            guard deviceState.load(ordering: .acquiring) == 1 else {
                handover.report(onDevice, latency: stage.latency)
                deviceWake.wait(seconds: 0.5)
                continue
            }
            deviceTurn.store(MonotonicClock.nanoseconds, ordering: .relaxed)
            let lost = sink   // kept until the audio thread has let go of it
            lost.close()
            sinkClosed = true
            // Frames heard: the output stage's delay after those written.
            let frame = Int64(lostFrame.load(ordering: .relaxed) - stage.latency)
            onDevice(.lost(output: clockName, message: lostMessage, frame: frame))
            handover.report(onDevice, latency: stage.latency)
            var replacement: (any AudioSink)?
            var lastStarted = -Double.infinity
            while replacement == nil && !quit.load(ordering: .acquiring) {
                let due = DeviceOutage.nextAttempt(lastStarted: lastStarted, now: MonotonicClock.seconds)
                while !quit.load(ordering: .acquiring), MonotonicClock.seconds < due {
                    deviceWake.wait(seconds: min(0.1, max(0.001, due - MonotonicClock.seconds)))
                    handover.report(onDevice, latency: stage.latency)
                }
                if quit.load(ordering: .acquiring) { break }
                lastStarted = MonotonicClock.seconds
                deviceTurn.store(MonotonicClock.nanoseconds, ordering: .relaxed)
                retries.add(1, ordering: .relaxed)
                guard let opened = try? reopen() else { continue }
                if opened.sampleRate == sampleRate { replacement = opened } else { opened.close() }
            }
            guard let replacement else { break }
            offered = replacement
            deviceState.store(2, ordering: .releasing)
            while deviceState.load(ordering: .acquiring) == 2 && !quit.load(ordering: .acquiring) {
                deviceWake.wait(seconds: 0.01)
            }
            if deviceState.compareExchange(expected: 2, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                // The session ended before the audio thread took it.
                offered?.close()
                offered = nil
                break
            }
            while deviceState.load(ordering: .acquiring) == 3 { deviceWake.wait(seconds: 0.001) }
            let back = Int64(restoredFrame.load(ordering: .relaxed) - stage.latency)
            onDevice(.restored(output: clockName, frame: back, gapSeconds: Double(back - frame) / Double(sampleRate)))
            sinkClosed = false
            withExtendedLifetime(lost) {}
        }
    }

    private func apply(_ command: StageCommand) {
        switch command {
        case .volume(let db, let seconds): stage.setVolume(db: db, over: seconds)
        case .pause(let seconds): stage.setPaused(true, fade: seconds)
        case .resume(let seconds): stage.setPaused(false, fade: seconds)
        case .silence(let seconds): stage.silence(fade: seconds)
        case .stop(let seconds): stage.stop(fade: seconds)
        case .outputLevel(let db, let seconds): clockLevel.setLevel(db: db, over: seconds)
        case .outputOn(let on): clockLevel.setOn(on)
        case .none: break
        }
    }

    /// Blocks until the session has ended (or `seconds` pass); true if ended.
    @discardableResult
    public func waitUntilEnded(seconds: Double) -> Bool {
        if endCode.load(ordering: .acquiring) != 0 { return true }
        let ok = finished.wait(seconds: seconds)
        if ok { finished.signal() }
        return ok
    }

    public var hasEnded: Bool { endCode.load(ordering: .acquiring) != 0 }

    // MARK: Clock and state

    /// Frames heard so far (the session clock).
    public var playedFrames: Int64 { Int64(played.load(ordering: .acquiring)) }
    public var underrunCount: Int { underruns.load(ordering: .relaxed) }
    /// Underruns (xruns) the devices of the session recovered from, in all.
    public var xrunCount: Int { xruns.load(ordering: .relaxed) }
    /// Attempts to open the device again so far, in all.
    public var deviceRetries: Int { retries.load(ordering: .relaxed) }
    private let retries = Atomic<Int>(0)
    /// When the device thread last turned (the loss, or an attempt began), monotonic nanoseconds.
    private let deviceTurn = Atomic<UInt64>(0)

    /// Seconds since the device thread last turned while the device is lost
    /// (a hung open makes it grow), nil while the device plays.
    public var deviceRetryAge: Double? {
        guard deviceState.load(ordering: .acquiring) == 1 else { return nil }
        let turn = deviceTurn.load(ordering: .relaxed)
        guard turn > 0 else { return 0 }
        return Double(MonotonicClock.nanoseconds &- turn) / 1e9
    }

    /// Session seconds since the device was lost (real seconds when unpaced),
    /// nil while it plays.
    public var deviceLostSeconds: Double? {
        guard deviceState.load(ordering: .acquiring) != 0 else { return nil }
        let frames = played.load(ordering: .acquiring) - lostFrame.load(ordering: .relaxed)
        return Double(max(0, frames)) / (Double(sampleRate) * (options.pace ?? 1))
    }

    /// Closes the device once the session has ended (a lost device is
    /// closed by the device thread already). Call once, after `onEnd`.
    public func closeDevice() {
        guard hasEnded, deviceState.load(ordering: .acquiring) == 0 else { return }
        sink.close()
    }

    /// A consistent view of the mixer's plan position for status.
    public struct Snapshot: Sendable {
        public var timeline: Timeline
        public var t0: Int64?
        /// Frames heard so far.
        public var heard: Int64
        /// Hold in force on the phase being heard, frames.
        public var held: Int64
        public var volumeDB: Double
        public var maxVolumeDB: Double
        /// The calm level in force, dBFS; nil when not in calm.
        public var calmLevelDB: Double?
        /// The soundscape playing as the controls last left it (nil: none, or not known since the last phase change).
        public var soundscape: SoundscapeParameters?
        /// The soundscape settings changed live, while their voice plays (for the saved state).
        public var liveSoundscape: LiveSoundscape?
    }

    /// Never waits for the mixer (which may be decoding): it reads what the
    /// controls last published and the two clocks.
    public func snapshot() -> Snapshot {
        let heard = max(0, playedFrames - Int64(stage.latency))
        let volume = requestedVolume.withLock { $0 }
        let state = published.withLock { $0 }
        let phase = state.timeline.phase(at: heard)
        return Snapshot(timeline: state.timeline, t0: state.t0, heard: heard,
                        held: phase.map { state.holds[$0] } ?? 0, volumeDB: volume, maxVolumeDB: stage.maxVolumeDB,
                        calmLevelDB: state.calmLevelDB, soundscape: state.soundscape, liveSoundscape: state.live)
    }

    /// What status reads of the mixer, published whenever a control changes it.
    private struct Published: Sendable {
        var timeline: Timeline
        var t0: Int64?
        var holds: [Int64]
        var calmLevelDB: Double?
        var soundscape: SoundscapeParameters?
        var live: LiveSoundscape?
    }

    /// Call with the mix lock held, after changing the mixer's course.
    private func publish() {
        let state = Published(timeline: mixer.timeline, t0: mixer.t0,
                              holds: plan.phases.indices.map { mixer.held(phase: $0) }, calmLevelDB: mixer.calmLevelDB,
                              soundscape: mixer.playingSoundscape, live: mixer.liveSoundscape)
        published.withLock { $0 = state }
    }

    // MARK: Controls (called from the control thread)

    /// Marks a dose now. True when it is T0, false for a booster.
    ///
    /// T0 is the frame being heard when the therapist marks it, so the T+
    /// clock and every post-dose boundary count from that moment. The music
    /// changes from the first frame not yet mixed, one ring (about 170 ms)
    /// later: the first post-dose phase is that much shorter, every later
    /// boundary is exact.
    public func dose() -> (isT0: Bool, frame: Int64) {
        let heard = max(0, playedFrames - Int64(stage.latency))
        return mixLock.withLock { _ in
            let isT0 = mixer.markDose(at: heard)
            publish()
            return (isT0, mixer.t0 ?? heard)
        }
    }

    /// Extends the phase being heard; returns the total hold now in force,
    /// frames, or nil when no phase is playing.
    public func hold(seconds: Double) -> Int64? {
        let heard = max(0, playedFrames - Int64(stage.latency))
        return mixLock.withLock { _ in
            guard let phase = mixer.timeline.phase(at: heard) else { return nil }
            let total = mixer.hold(frames: Timeline.frames(seconds, sampleRate: sampleRate), phase: phase)
            publish()
            return total
        }
    }

    /// Crossfades to the plan's calm; returns the calm level, or nil when
    /// the plan has none or calm is already playing.
    /// - Parameters:
    ///   - level, atOnce: a resumed session's calm, before it starts.
    public func calm(level: Double? = nil, atOnce: Bool = false, live: LiveSoundscape? = nil, entry: Int = 0,
                     entryOffset: Int64 = 0) -> Double? {
        mixLock.withLock { _ in
            let level = mixer.enterCalm(level: level, atOnce: atOnce, live: live, entry: entry, entryOffset: entryOffset)
            publish()
            return level
        }
    }

    /// Crossfades from calm back to the current phase; false when not in calm.
    public func leaveCalm() -> Bool {
        mixLock.withLock { _ in
            let left = mixer.leaveCalm()
            publish()
            return left
        }
    }

    /// Changes the playing soundscape over `seconds`; returns its settings
    /// before and after, or nil when no soundscape plays. `change` gets the
    /// settings playing and returns the new ones.
    public func changeSoundscape(over seconds: Double,
                                 _ change: (SoundscapeParameters) -> SoundscapeParameters) -> (from: SoundscapeParameters, to: SoundscapeParameters)? {
        mixLock.withLock { _ in
            guard let from = mixer.playingSoundscape else { return nil }
            let wanted = change(from)
            guard let to = mixer.setSoundscape(intensity: wanted.intensity, brightness: wanted.brightness, over: seconds) else { return nil }
            publish()
            return (from, to)
        }
    }

    public func next() {
        mixLock.withLock { _ in
            mixer.advance()
            publish()
        }
    }

    /// The course the controls have set, for the saved state: T0, holds, advances.
    public func course() -> (t0: Int64?, holds: [Int: Int64], advances: [Int: Int64]) {
        mixLock.withLock { _ in
            let c = mixer.course
            return (mixer.t0, c.holds, c.advances)
        }
    }

    /// Crossfades to the next track; false when the current phase has no playlist.
    public func skip() -> Bool { mixLock.withLock { _ in mixer.skip() } }

    /// Sends a level control to the audio thread; false if its queue is full.
    @discardableResult
    public func send(_ command: StageCommand) -> Bool {
        let sent = commands.push(command)
        commandWake.signal()
        return sent
    }

    /// Ramps the volume; returns the value that will apply after clamping.
    public func setVolume(db: Double, seconds: Double) -> Double {
        let applied = min(max(db, -60), stage.maxVolumeDB)
        requestedVolume.withLock { $0 = applied }
        send(.volume(db: applied, seconds: seconds))
        return applied
    }

    /// Fades out and ends the session.
    public func stop(fade seconds: Double) {
        mixLock.withLock { _ in mixer.end(after: seconds + Double(options.ringFrames) / Double(sampleRate)) }
        send(.stop(seconds: seconds))
    }

    // MARK: Outputs

    /// The outputs' names, the clock output first.
    public var outputNames: [String] { [clockName] + followers.map(\.name) }

    /// Ramps output `index`'s level to `db` (clamped) over `seconds` and
    /// switches it on or off; returns the level that will apply.
    @discardableResult
    public func setOutput(_ index: Int, db: Double? = nil, on: Bool? = nil, seconds: Double) -> Double {
        let (applied, _) = outputLevels.withLock { levels -> (Double, Bool) in
            if let db { levels[index].db = OutputLevel.clamp(db) }
            if let on { levels[index].on = on }
            return levels[index]
        }
        let raise = outputRaises.withLock { $0[index] }
        if index == 0 {
            if db != nil { send(.outputLevel(db: OutputLevel.clamp(applied + raise), seconds: seconds)) }
            if let on { send(.outputOn(on)) }
        } else {
            let follower = followers[index - 1]
            if db != nil { follower.send(.level(db: OutputLevel.clamp(applied + raise), seconds: seconds)) }
            if let on { follower.send(.on(on)) }
        }
        return applied
    }

    /// Raises output `index` by `db` on top of its own level (0: back to its
    /// own level), ramped over `seconds` under the output's speed limit; the
    /// own level `setOutput` sets stays what it was. Returns the level heard.
    @discardableResult
    public func raiseOutput(_ index: Int, db: Double, seconds: Double) -> Double {
        outputRaises.withLock { $0[index] = max(0, db) }
        let own = outputLevels.withLock { $0[index].db }
        let heard = OutputLevel.clamp(own + max(0, db))
        if index == 0 {
            send(.outputLevel(db: heard, seconds: seconds))
        } else {
            followers[index - 1].send(.level(db: heard, seconds: seconds))
        }
        return heard
    }

    /// Each output as it plays now, the clock output first.
    public func outputReports() -> [OutputReport] {
        let levels = outputLevels.withLock { $0 }
        let raises = outputRaises.withLock { $0 }
        let delay = clockDelay.load(ordering: .relaxed)
        let first = deviceState.load(ordering: .acquiring) != 0 ? "lost" : handover.isRejoining ? "aligning" : "playing"
        let clock = handover.clock
        var reports = [OutputReport(name: clockName, device: clockDevice, levelDB: levels[0].db, on: levels[0].on,
                                    raiseDB: raises[0], state: first,
                                    delayFrames: delay >= 0 ? delay : nil, offsetFrames: nil, ratio: 1, clock: clock == 0)]
        for (i, f) in followers.enumerated() {
            reports.append(OutputReport(name: f.name, device: f.device, levelDB: levels[i + 1].db, on: levels[i + 1].on,
                                        raiseDB: raises[i + 1], state: f.state.rawValue, delayFrames: f.delayFrames, offsetFrames: f.offsetFrames,
                                        ratio: f.ratio, clock: clock == i + 1))
        }
        return reports
    }

    /// Ends the threads at once (after `stop` has faded out, or on shutdown).
    public func terminate() {
        for follower in followers { follower.terminate() }
        quit.store(true, ordering: .releasing)
        spaceFreed.signal()
        dataReady.signal()
        commandWake.signal()
    }
}
