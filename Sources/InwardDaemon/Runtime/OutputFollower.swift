import InwardAudio
import InwardPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An output after the first (speakers beside the headphones): its own
/// real-time thread (`inward-out-N`), its own ring, level, limiter and
/// device, kept in step with the session's clock output.
///
/// The clock output's audio thread pushes every block of the mix, after the
/// master controls, into this output's ring (`push`); this output's thread
/// takes it through its `OutputLevel` and, on a sound card, through a
/// variable-rate resampler whose ratio a `DriftController` sets from the
/// measured offset between the two outputs (see docs/outputs.md). On an
/// unclocked sink (a file, the null PCM) there is no crystal to follow: the
/// frames are written as they come, exactly, and `push` waits for room
/// instead of dropping.
///
/// A device that fails is this output's alone: the thread closes it, reports
/// it (`onDevice` with this output's name), goes on taking its ring and
/// dropping the frames (so it stays where the session is), opens the device
/// again every `DeviceOutage.retryInterval`, and once it is back aligns it
/// to the clock output while silent and fades it in. The other outputs never
/// wait for it.
///
/// When the first output is lost, this output may become the session's
/// clock (`becomeClock`, see `ClockHandover`): it stops steering, its ratio
/// returns to 1 at the controller's bounded speed, it publishes the session
/// frame it plays (`onHeard`) for the other outputs to steer towards, and the
/// audio thread paces itself by how fast it takes its ring (`queuedFrames`,
/// `waitForSpace`). Nothing changes in what it plays. `follow` ends that.
///
/// Threads: `push`, `finish`, `becomeClock`, `follow`, `waitForSpace` and
/// `anchor` updates come from the audio thread; `onHeard` is set before
/// `start` and called on this output's thread; `send` and the status getters from any thread;
/// everything else runs on this output's own thread, which allocates,
/// locks and does I/O only on the failure path (closing and opening its
/// device), never while it plays.
final class OutputFollower: @unchecked Sendable {
    let name: String
    let device: String
    let sampleRate: Int
    private let clocked: Bool
    private let period: Int
    private let ring: AudioRing
    private let level: OutputLevel
    private let commands = CommandRing<OutputCommand>(capacity: 32, filler: .none)
    private var sink: any AudioSink
    private let reopen: @Sendable () throws -> any AudioSink
    private let onDevice: @Sendable (SessionRuntime.DeviceChange) -> Void
    private let resampler: VariableRateResampler?
    private var controller: DriftController
    /// The clock output's heard session frame at monotonic time 0 (frames as
    /// a Double's bits): heard(t) = anchor + rate * t.
    private let anchorBits = Atomic<UInt64>(Double.nan.bitPattern)
    private let dataReady = Semaphore()
    private let spaceFreed = Semaphore()
    private let done = Semaphore()
    private let finished = Atomic<Bool>(false)
    private let quit = Atomic<Bool>(false)
    /// 0 aligning, 1 playing, 2 lost.
    private let stateValue = Atomic<Int>(0)
    private let lastDelay = Atomic<Int>(-1)
    private let offsetMicroframes = Atomic<Int>(Int.min)
    private let dropped = Atomic<Int>(0)
    /// True while this output is the session's clock (the audio thread sets it).
    private let clockRole = Atomic<Bool>(false)
    /// Called with the session frame heard here and the monotonic time, after each write while this output is the clock.
    var onHeard: (@Sendable (Double, Double) -> Void)?
    /// Session frame of the next frame the ring gives (ring frames are numbered like the clock's `played`).
    private var framesIn: Int

    enum State: String { case aligning, playing, lost }


    /// What the clock thread asks for on the ring's behalf.
    enum OutputCommand: BitwiseCopyable {
        case level(db: Double, seconds: Double)
        case on(Bool)
        case none
    }

    /// - Parameter clocked: the room plays to sound cards (not files or the null PCM, not paced by `--pace`).
    init(name: String, device: String, sink: any AudioSink, level: OutputLevel, periodFrames: Int, origin: Int, clocked: Bool,
         reopen: @escaping @Sendable () throws -> any AudioSink,
         onDevice: @escaping @Sendable (SessionRuntime.DeviceChange) -> Void) {
        self.name = name
        self.device = device
        self.sink = sink
        self.level = level
        self.reopen = reopen
        self.onDevice = onDevice
        sampleRate = sink.sampleRate
        // Its own device's period, when it says (it may have taken a shorter one than asked).
        period = max(16, min(periodFrames, (sink as? AlsaSink)?.periodFrames ?? periodFrames))
        self.clocked = clocked
        framesIn = origin
        // Enough for a second of difference between the two devices' buffers.
        ring = AudioRing(frames: max(4 * periodFrames, sink.sampleRate))
        resampler = clocked ? try? VariableRateResampler() : nil
        controller = DriftController(sampleRate: sink.sampleRate)
        stateValue.store(clocked ? 0 : 1, ordering: .relaxed)
    }

    func start() {
        ThreadLauncher.start(name: "inward-out-\(name)", realtime: true) { [self] in run() }
    }

    // MARK: The clock output's side

    /// Takes a block of the mix (after the master controls). Unclocked, waits
    /// for room (nothing is real time); on a sound card, drops what does not
    /// fit (this output is lost or far behind) and never waits.
    func push(_ frames: UnsafePointer<Float>, count: Int) {
        var done = ring.write(from: frames, frames: count)
        if !clocked {
            while done < count && !quit.load(ordering: .acquiring) {
                dataReady.signal()
                spaceFreed.wait(seconds: 0.05)
                done += ring.write(from: frames + 2 * done, frames: count - done)
            }
        } else if done < count {
            dropped.add(count - done, ordering: .relaxed)
        }
        dataReady.signal()
    }

    /// The clock output heard session frame `heard` at monotonic `seconds`.
    func clockHeard(_ heard: Double, at seconds: Double) {
        anchorBits.store((heard - Double(sampleRate) * seconds).bitPattern, ordering: .relaxed)
    }

    /// This output becomes the session's clock: it stops steering and publishes what it plays.
    func becomeClock() { clockRole.store(true, ordering: .releasing) }

    /// This output follows the clock output again (the first output is back and in step).
    func follow() { clockRole.store(false, ordering: .releasing) }

    var isClock: Bool { clockRole.load(ordering: .acquiring) }

    /// Frames waiting in this output's ring.
    var queuedFrames: Int { ring.available }

    /// Waits until this output has taken frames from its ring (or `seconds` pass).
    @discardableResult
    func waitForSpace(seconds: Double) -> Bool { spaceFreed.wait(seconds: seconds) }

    /// No more frames will come: play what the ring holds, then drain and end.
    func finish() {
        finished.store(true, ordering: .releasing)
        dataReady.signal()
    }

    /// Waits until this output's thread has ended (or `seconds` pass).
    @discardableResult
    func waitUntilDone(seconds: Double) -> Bool {
        let ok = done.wait(seconds: seconds)
        if ok { done.signal() }
        return ok
    }

    /// Ends the thread at once (daemon shutdown).
    func terminate() {
        quit.store(true, ordering: .releasing)
        dataReady.signal()
        spaceFreed.signal()
    }

    // MARK: Any thread

    @discardableResult
    func send(_ command: OutputCommand) -> Bool { commands.push(command) }

    var state: State {
        switch stateValue.load(ordering: .relaxed) {
        case 0: .aligning
        case 1: .playing
        default: .lost
        }
    }

    /// The device's delay last measured, frames (nil before the first, or unknown).
    var delayFrames: Int? { let d = lastDelay.load(ordering: .relaxed); return d >= 0 ? d : nil }

    /// How far this output lags the clock output, frames, low-passed (nil unclocked or not yet measured).
    var offsetFrames: Double? {
        let v = offsetMicroframes.load(ordering: .relaxed)
        return v == Int.min ? nil : Double(v) / 1e6
    }

    var ratio: Double { ratioBits.load(ordering: .relaxed).map }
    private let ratioBits = Atomic<UInt64>(1.0.bitPattern)

    // MARK: This output's thread

    private func apply(_ command: OutputCommand) {
        switch command {
        case .level(let db, let seconds): level.setLevel(db: db, over: seconds)
        case .on(let on): level.setOn(on)
        case .none: break
        }
    }

    private func run() {
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 2 * period)
        let outCapacity = VariableRateResampler.outputCapacity(inputFrames: period)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 2 * outCapacity)
        let silence = UnsafeMutablePointer<Float>.allocate(capacity: 2 * period)
        silence.initialize(repeating: 0, count: 2 * period)
        defer {
            input.deallocate()
            output.deallocate()
            silence.deallocate()
        }
        let rate = Double(sampleRate)
        let fadeFrames = Int(DeviceOutage.fadeInSeconds * rate)
        var fadeAt = clocked ? 0 : fadeFrames
        var written = 0                 // device frames written since the device was (re)opened
        var alignment = OutputAlignment(sampleRate: sampleRate)   // falling in step while silent
        var owed = 0                    // frames to drop as they come: silence played in their place, or a lag
        var droppedSeen = 0
        var lastMeasured = MonotonicClock.seconds
        var lostFrame = 0
        var wasClock = false            // this output was the session's clock at its last measurement
        var lastAttempt = -Double.infinity
        // Frames the device must hold before its delay means anything (it starts once its buffer is full).
        let settle = 2 * max(period, (sink as? AlsaSink)?.bufferFrames ?? period)
        // How long to wait for the clock output before feeding the device silence: half its buffer.
        let patience = Double(max(period, ((sink as? AlsaSink)?.bufferFrames ?? 2 * period) / 2)) / rate
        while !quit.load(ordering: .acquiring) {
            while let command = commands.pop() { apply(command) }
            if owed > 0 {
                // Frames gone by unheard, dropped as they come: silence played in their place while the
                // clock output starved us, or a lag jumped away while the ring held less than it.
                let before = framesIn
                jump(by: Double(owed), silence: silence)
                owed -= framesIn - before
                if framesIn == before && finished.load(ordering: .acquiring) { owed = 0 }
            }
            // One block of the clock output's a wake-up: wait only when the ring holds less than a period.
            var n = owed > 0 ? 0 : ring.read(into: input, frames: period)
            if n < period {
                if finished.load(ordering: .acquiring) {
                    if n == 0 { break }
                } else {
                    if !awaitBlock(seconds: clocked ? patience : 0.05) {
                        if n == 0 {
                            if clocked && stateValue.load(ordering: .relaxed) == 1 {
                                // The clock output starved us: keep the device fed. The silence stands in for
                                // frames still to come, which are dropped when they do: the output stays in
                                // step (a period of silence shifted it by 21 ms, past the 20 ms at which it
                                // realigns, silent for seconds).
                                if (try? sink.write(silence, frames: period)) != nil { owed += period }
                            }
                            continue
                        }
                    } else if owed > 0 || n == 0 {
                        continue   // drop what is owed first, or take the whole block from the top
                    }
                    n += ring.read(into: input + 2 * n, frames: period - n)
                }
            }
            spaceFreed.signal()
            // Frames the clock output could not fit in the ring were never heard here: count them as gone by.
            let droppedNow = dropped.load(ordering: .relaxed)
            framesIn += droppedNow - droppedSeen
            droppedSeen = droppedNow
            let first = framesIn
            framesIn += n
            level.process(input, frames: n)
            if stateValue.load(ordering: .relaxed) == 2 {
                // Lost: the frames go by unheard; try the device again once a retry is due.
                let now = MonotonicClock.seconds
                guard now >= DeviceOutage.nextAttempt(lastStarted: lastAttempt, now: lastAttempt) else { continue }
                lastAttempt = now
                guard let opened = try? reopen() else { continue }
                guard opened.sampleRate == sampleRate else { opened.close(); continue }
                sink = opened
                written = 0
                alignment.reset()
                owed = 0
                fadeAt = 0
                controller.realigned()
                stateValue.store(clocked ? 0 : 1, ordering: .relaxed)
                let gap = Double(framesIn - lostFrame) / rate
                onDevice(.restored(output: name, frame: Int64(framesIn - level.latency), gapSeconds: gap))
                continue
            }
            var frames = n
            var data = UnsafePointer(input)
            if let resampler {
                // The whole block, or the frames left over would be lost: with `outCapacity` the first call
                // takes it all (VariableRateResamplerTests); the loop only guards that.
                var used = 0
                frames = 0
                while used < n && frames < outCapacity {
                    let (consumed, produced) = resampler.process(input: input + 2 * used, inputFrames: n - used,
                                                                 output: output + 2 * frames, outputCapacity: outCapacity - frames)
                    used += consumed
                    frames += produced
                    if consumed == 0 && produced == 0 { break }
                }
                data = UnsafePointer(output)
            }
            let aligning = stateValue.load(ordering: .relaxed) == 0
            if aligning || fadeAt < fadeFrames {
                let out = UnsafeMutablePointer(mutating: data)
                for i in 0..<frames {
                    let g = aligning ? 0 : DeviceOutage.fadeInGain(frame: fadeAt + i, of: fadeFrames)
                    out[2 * i] *= g
                    out[2 * i + 1] *= g
                }
                if !aligning { fadeAt += frames }
            }
            do {
                try sink.write(data, frames: frames)
            } catch {
                sink.close()
                lostFrame = first
                stateValue.store(2, ordering: .relaxed)
                lastAttempt = MonotonicClock.seconds
                onDevice(.lost(output: name, message: "\(error)", frame: Int64(first - level.latency)))
                continue
            }
            written += frames
            guard clocked, let resampler else { continue }
            // Measure: the session frame heard here now, against the clock output's.
            let now = MonotonicClock.seconds
            let delay = sink.delayFrames ?? 0
            lastDelay.store(delay, ordering: .relaxed)
            if clockRole.load(ordering: .acquiring) {
                // The session's clock (the first output lost): nothing to steer towards; back to the nominal
                // rate at the controller's bounded speed, and publish the frame heard here.
                wasClock = true
                resampler.setRatio(controller.returnToNominal(seconds: now - lastMeasured))
                ratioBits.store(resampler.ratio.bitPattern, ordering: .relaxed)
                offsetMicroframes.store(0, ordering: .relaxed)
                let heard = Double(framesIn) - (resampler.delayFrames + Double(delay)) * resampler.ratio
                if written >= settle, stateValue.load(ordering: .relaxed) == 1 { onHeard?(heard, now) }
                lastMeasured = now
                continue
            }
            if wasClock {
                // Following again: the first output aligned itself to this one; steer from here.
                wasClock = false
                controller.realigned()
                anchorBits.store(Double.nan.bitPattern, ordering: .relaxed)
            }
            let anchor = Double(bitPattern: anchorBits.load(ordering: .relaxed))
            guard !anchor.isNaN, written >= settle else { lastMeasured = now; continue }
            let ratio = resampler.ratio
            let heard = Double(framesIn) - (resampler.delayFrames + Double(delay)) * ratio
            let error = anchor + rate * now - heard
            if aligning {
                // Silent until in step with the clock output (`OutputAlignment`): a device's reported position
                // can run off for seconds after it opens (the pulse plugin's timing estimate converging, more
                // so on a busy machine), and steering on those figures moves the output away from the clock.
                let taken = alignment.averagesTaken
                let step = alignment.measure(offset: error, frames: period)
                if alignment.averagesTaken != taken {
                    offsetMicroframes.store(Int(alignment.lastAverage * 1e6), ordering: .relaxed)
                }
                switch step {
                case .wait:
                    break
                case .jump(let by):
                    owed += jump(by: by, silence: silence)
                    controller.realigned()
                case .fadeIn(let by):
                    // In step (or, after `OutputAlignment.maxAverages`, as near as the device lets us tell): fade in.
                    owed += jump(by: by, silence: silence)
                    controller.realigned()
                    stateValue.store(1, ordering: .relaxed)
                    fadeAt = 0
                }
            } else {
                resampler.setRatio(controller.update(errorFrames: error, seconds: now - lastMeasured))
                ratioBits.store(resampler.ratio.bitPattern, ordering: .relaxed)
                if let e = controller.filteredError {
                    offsetMicroframes.store(Int(e * 1e6), ordering: .relaxed)
                    // Far out of step (the device stalled, the ring ran dry): silent, align again, fade in.
                    if controller.needsJump(e) {
                        stateValue.store(0, ordering: .relaxed)
                        alignment.reset()
                    }
                }
            }
            lastMeasured = now
        }
        if stateValue.load(ordering: .relaxed) != 2 {
            if !quit.load(ordering: .acquiring) { try? sink.drain() }
            sink.close()
        }
        done.signal()
    }

    /// Waits up to `seconds` for the clock output's next block; true when
    /// one came (or the ring already holds a period, or the end came).
    private func awaitBlock(seconds: Double) -> Bool {
        if ring.available >= period { return true }
        // Signals left from blocks taken without waiting would end the wait at once, for nothing.
        dataReady.drain()
        if ring.available >= period || finished.load(ordering: .acquiring) || quit.load(ordering: .acquiring) { return true }
        return dataReady.wait(seconds: seconds)
    }

    /// Corrects an offset at once while the output is silent: drops frames
    /// from the ring when this output lags, plays silence when it leads.
    /// Returns the frames still to drop when the ring held fewer.
    @discardableResult
    private func jump(by error: Double, silence: UnsafeMutablePointer<Float>) -> Int {
        var left = Int(error.rounded())
        if left > 0 {
            while left > 0 {
                let n = ring.read(into: silence, frames: min(left, period))
                silence.update(repeating: 0, count: 2 * period)
                if n == 0 { break }
                framesIn += n
                left -= n
            }
            spaceFreed.signal()
            return left
        }
        left = -left
        while left > 0 {
            let n = min(left, period)
            guard (try? sink.write(silence, frames: n)) != nil else { break }
            left -= n
        }
        return 0
    }
}

private extension UInt64 {
    var map: Double { Double(bitPattern: self) }
}
