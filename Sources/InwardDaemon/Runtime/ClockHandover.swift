import InwardAudio
import InwardPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Which output paces the session, and how the clock passes between them
/// (docs/outputs.md, "Faults").
///
/// The first output is the clock while it plays: the audio thread writes to
/// its device and every other output steers towards the frame it plays.
/// When it is lost, the clock passes to an output that is playing
/// (`ClockChoice`): that output stops steering (`OutputFollower.becomeClock`),
/// publishes the frame it plays for the others, and the audio thread paces
/// itself by it, keeping that output's ring as full as it was at the loss
/// (`pace`). What that output plays does not change: no frame is dropped,
/// repeated or replaced. With no output playing, the wall clock paces the
/// session. When the first output's device is back, it plays silence while
/// it falls in step with the output holding the clock (`OutputAlignment`,
/// `writeSilence`), takes the clock back and fades in (`rejoined`).
///
/// Why shifting the first output aligns it without touching the other: the
/// audio thread pushes every block into the other output's ring and writes
/// it to the first output's device, so frames written to that device minus
/// frames pushed into the ring is what separates the two. The first output
/// lagging, frames of its silence are left out; leading (its device, found
/// again, plays with less delay than before, and a device cannot hold more
/// than its buffer), it plays through a delay line (`delayFirst`) that many
/// frames behind the mix, from then on. The offset is unchanged when the
/// clock passes back, since the audio thread then feeds both at one pace.
///
/// Threads: `pushed`, `delayFirst`, `firstDelay`, `firstLost`, `pace`,
/// `startRejoin`, `writeSilence` and `rejoined` belong to the audio thread
/// (no allocation, no locks; `pace` waits only on a semaphore, as a device
/// write would); the heard frames come from the output holding the clock,
/// on its thread (`OutputFollower.onHeard`); `report` runs on the device
/// thread; `clock` and `isRejoining` are read from any thread. Storage is
/// allocated in `init`.
final class ClockHandover: @unchecked Sendable {
    private let names: [String]
    private let followers: [OutputFollower]
    private let rate: Double
    private let period: Int
    private let wake: Semaphore
    /// 0 the first output, k the k-th output after it, -1 the wall clock.
    private let clockIndex = Atomic<Int>(0)
    /// The session frame (played, before the output stage's delay) at which the clock last passed.
    private let clockFrame = Atomic<Int>(0)
    /// The session frame heard on the output holding the clock at monotonic time 0 (a Double's bits).
    private let anchorBits = Atomic<UInt64>(Double.nan.bitPattern)
    private let rejoiningValue = Atomic<Bool>(false)
    // The audio thread's:
    private var choices: [ClockChoice.Output]
    private var target = 0
    private var wallStart = 0.0
    private var wallFrame = 0
    private var rejoin: OutputAlignment
    private var rejoinWritten = 0
    private var rejoinSettle = 0
    private var pendingShift = 0        // frames of the first output's silence still to leave out
    private var inStep = false
    private let silence: UnsafeMutablePointer<Float>
    /// The mix's last `lineFrames` frames, for the first output to play `firstDelay` frames behind.
    private let line: UnsafeMutablePointer<Float>
    private let lineFrames: Int
    private var lineAt = 0
    /// Frames the first output plays behind the mix (a lead it had when it fell in step).
    private(set) var firstDelay = 0
    /// Per other output, its ring's fill after a push, averaged while the first output is the clock.
    private var fills: [Double]
    // The device thread's:
    private var reported = 0

    /// - Parameter clocked: the room plays to sound cards in real time; otherwise (files, the null PCM,
    ///   `--pace`) no output has a clock to hand over and the wall clock paces a lost first output, as alone.
    init(names: [String], followers: [OutputFollower], clocked: Bool, sampleRate: Int, periodFrames: Int, wake: Semaphore) {
        self.names = names
        self.followers = clocked ? followers : []
        rate = Double(sampleRate)
        period = periodFrames
        self.wake = wake
        choices = self.followers.map { _ in .silent }
        rejoin = OutputAlignment(sampleRate: sampleRate)
        silence = .allocate(capacity: 4 * periodFrames)
        silence.initialize(repeating: 0, count: 4 * periodFrames)
        lineFrames = sampleRate + periodFrames
        line = .allocate(capacity: 2 * lineFrames)
        line.initialize(repeating: 0, count: 2 * lineFrames)
        fills = self.followers.map { _ in -1 }
        for (i, follower) in self.followers.enumerated() {
            follower.onHeard = { [weak self] heard, seconds in self?.heard(heard, at: seconds, on: i + 1) }
        }
    }

    deinit {
        silence.deallocate()
        line.deallocate()
    }

    /// The output pacing the session: 0 the first, k the k-th after it, nil the wall clock.
    var clock: Int? { let i = clockIndex.load(ordering: .acquiring); return i >= 0 ? i : nil }

    /// True while the first output's device is back but silent, falling in step.
    var isRejoining: Bool { rejoiningValue.load(ordering: .relaxed) }

    // MARK: The audio thread

    /// After each block pushed to the other outputs while the first is the
    /// clock: learns how full their rings run (the fill kept when one of
    /// them takes the clock, so every output's place stays where it was).
    func pushed() {
        guard clockIndex.load(ordering: .relaxed) == 0, !rejoiningValue.load(ordering: .relaxed) else { return }
        for (i, follower) in followers.enumerated() where follower.state == .playing {
            let fill = Double(follower.queuedFrames)
            // About 4 s at 1024-frame blocks; the first sample starts it.
            fills[i] = fills[i] < 0 ? fill : fills[i] + (fill - fills[i]) * 0.005
        }
    }

    /// The first output's block, in place: delayed by `firstDelay` frames
    /// once it rejoined leading. Fed while it rejoins, so the delay line
    /// holds the mix by the time it is heard.
    func delayFirst(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        guard firstDelay > 0 || rejoiningValue.load(ordering: .relaxed) else { return }
        var done = 0
        while done < frames {
            let n = min(frames - done, lineFrames - lineAt)
            (line + 2 * lineAt).update(from: buffer + 2 * done, count: 2 * n)
            lineAt = (lineAt + n) % lineFrames
            done += n
        }
        guard firstDelay > 0 else { return }
        // The block's first frame now sits `frames` before lineAt; play the one `firstDelay` before it.
        var from = ((lineAt - frames - firstDelay) % lineFrames + lineFrames) % lineFrames
        done = 0
        while done < frames {
            let n = min(frames - done, lineFrames - from)
            (buffer + 2 * done).update(from: line + 2 * from, count: 2 * n)
            from = (from + n) % lineFrames
            done += n
        }
    }

    /// The first output is lost with session frame `played` next: the clock passes on.
    func firstLost(played: Int) {
        rejoiningValue.store(false, ordering: .relaxed)
        choose(firstPlaying: false, played: played)
    }

    /// Paces the audio thread while the first output is not the clock,
    /// after frame `total` was pushed: waits until the output holding the
    /// clock has taken its ring down to where it was at the handover, or,
    /// with no output playing, until the wall clock reaches `total`.
    func pace(total: Int, quit: borrowing Atomic<Bool>) {
        choose(firstPlaying: false, played: total)
        let index = clockIndex.load(ordering: .relaxed)
        if index > 0 {
            let follower = followers[index - 1]
            while follower.queuedFrames > max(0, target - period) && follower.state == .playing && !quit.load(ordering: .acquiring) {
                follower.waitForSpace(seconds: 0.05)
            }
        } else {
            let wait = wallStart + Double(total - wallFrame) / rate - MonotonicClock.seconds
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
    }

    /// The first output's device is back: true when it must fall in step
    /// with another output before it is heard (`writeSilence` until
    /// `rejoined`); false when no other output plays (it takes the clock
    /// back at once and fades in, as a single output does).
    func startRejoin(sink: any AudioSink, played: Int) -> Bool {
        guard clockIndex.load(ordering: .relaxed) > 0 else {
            choose(firstPlaying: true, played: played)
            return false
        }
        rejoin.reset()
        firstDelay = 0
        rejoinWritten = 0
        pendingShift = 0
        inStep = false
        anchorBits.store(Double.nan.bitPattern, ordering: .relaxed)
        // Frames the device must hold before its delay means anything (it starts once its buffer is full).
        rejoinSettle = 2 * max(period, (sink as? AlsaSink)?.bufferFrames ?? period)
        rejoiningValue.store(true, ordering: .relaxed)
        return true
    }

    /// Before the first output's period starting at `played`: true once it
    /// is in step (or no other output holds the clock any more), when it
    /// takes the clock back and plays this period, fading in.
    func rejoined(played: Int) -> Bool {
        let done = clockIndex.load(ordering: .relaxed) <= 0 || (inStep && pendingShift == 0)
        guard done else { return false }
        rejoiningValue.store(false, ordering: .relaxed)
        choose(firstPlaying: true, played: played)
        return true
    }

    /// Writes the first output's period starting at `played` as silence,
    /// leaving out at most a period of it towards a pending shift, then
    /// measures how far it is from the output holding the clock.
    ///
    /// Never waits for this device: the output holding the clock paces the
    /// session, and its ring is all it has in hand.
    func writeSilence(to sink: any AudioSink, played: Int) throws {
        let step = min(period, pendingShift)
        var frames = period - step
        // Frames the device has no room for are left out too, unplanned: the next measurement sees them.
        if let room = (sink as? AlsaSink)?.writableFrames() { frames = min(frames, room) }
        if frames > 0 { try sink.write(silence, frames: frames) }
        pendingShift -= step
        rejoinWritten += frames
        guard pendingShift == 0, !inStep, rejoinWritten >= rejoinSettle, let delay = sink.delayFrames else { return }
        let anchor = Double(bitPattern: anchorBits.load(ordering: .relaxed))
        guard !anchor.isNaN else { return }
        // Positive: the first output lags the clock.
        let offset = anchor + rate * MonotonicClock.seconds - Double(played + period - delay - firstDelay)
        switch rejoin.measure(offset: offset, frames: period) {
        case .wait: break
        case .jump(let frames): shift(by: Int(frames.rounded()))
        case .fadeIn(let frames):
            shift(by: Int(frames.rounded()))
            inStep = true
        }
    }

    /// Shifts the first output by `frames` (positive: later frames, it lagged) while it is silent.
    private func shift(by frames: Int) {
        if frames < 0 {
            // Leading: play further behind the mix (up to the delay line's second).
            firstDelay = min(lineFrames - 2 * period, firstDelay - frames)
        } else {
            // Lagging: less delay first, then frames of silence left out; the ring is kept that much fuller,
            // so the device's fill stays where it was.
            let undelayed = min(firstDelay, frames)
            firstDelay -= undelayed
            pendingShift += frames - undelayed
            // Within half the ring's second, so that a push always fits.
            target = min(Int(rate) / 2, target + frames - undelayed)
        }
    }

    /// Chooses the clock from the outputs' states; on a change, the output
    /// losing it follows again, the one taking it stops steering, and the
    /// device thread is woken to report it.
    private func choose(firstPlaying: Bool, played: Int) {
        for (i, follower) in followers.enumerated() { choices[i] = follower.state == .playing ? .playing : .silent }
        let current = clockIndex.load(ordering: .relaxed)
        let next = ClockChoice.clock(first: firstPlaying ? .playing : .silent, following: choices,
                                     current: current >= 0 ? current : nil) ?? -1
        guard next != current else { return }
        if current > 0 { followers[current - 1].follow() }
        if next > 0 {
            let follower = followers[next - 1]
            anchorBits.store(Double.nan.bitPattern, ordering: .relaxed)
            // Keep its ring as full as it ran: the first output's place, when it comes back, stays where it was.
            target = fills[next - 1] >= 0 ? Int(fills[next - 1]) : follower.queuedFrames
            follower.becomeClock()
        } else if next < 0 {
            wallStart = MonotonicClock.seconds
            wallFrame = played
        }
        clockFrame.store(played, ordering: .relaxed)
        clockIndex.store(next, ordering: .releasing)
        wake.signal()
    }

    // MARK: The output holding the clock

    /// Output `index` heard session frame `heard` at monotonic `seconds`: the others steer towards it.
    private func heard(_ heard: Double, at seconds: Double, on index: Int) {
        guard clockIndex.load(ordering: .acquiring) == index else { return }
        anchorBits.store((heard - rate * seconds).bitPattern, ordering: .relaxed)
        for (i, follower) in followers.enumerated() where i + 1 != index { follower.clockHeard(heard, at: seconds) }
    }

    // MARK: The device thread

    /// Reports a change of clock since the last report (`output.clock`);
    /// `latency` is the output stage's delay, to give the frame heard.
    func report(_ onDevice: (SessionRuntime.DeviceChange) -> Void, latency: Int) {
        let index = clockIndex.load(ordering: .acquiring)
        // A single output has no clock to hand over: its loss is the device's own story (device.error).
        guard index != reported, !followers.isEmpty else { return }
        reported = index
        let frame = Int64(max(0, clockFrame.load(ordering: .relaxed) - latency))
        onDevice(.clock(output: index >= 0 ? names[index] : nil, frame: frame))
    }
}
