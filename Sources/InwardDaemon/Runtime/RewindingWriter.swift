import InwardAudio

/// The clock output's audio path on a device that can take back queued
/// frames (`RewindableSink.canRewind`: ALSA hw and dmix PCMs), in a room
/// with that one output: a deep device buffer filled in few wake-ups, and a
/// level control heard within 100 ms all the same.
///
/// The writer fills the device until it is full, then sleeps until half of
/// it has played (or a control arrives), like a sound server's timer-based
/// scheduling. Every block it writes is kept in a `RewindHistory` (the mix
/// before the stage, the stage's state before it). When a level control
/// arrives (volume, pause, resume, silence, stop, the output's own level) it
/// asks the device what it can take back, keeps `marginFrames` in front of
/// the hardware pointer, rewinds to the first block start past that, and
/// writes those blocks again with the control applied at the first of them:
/// the room hears exactly what the control applied at that frame would have
/// given, with nothing repeated, skipped or stepped.
///
/// The session clock counts committed frames, those no rewind can reach any
/// more (`RewindHistory.horizon`): the runtime's `played` moves to the
/// horizon at every wake-up, and only then are those blocks handed to the
/// heard meter. So status, T0, every logged frame and the loudness the room
/// heard never include audio that may still be replaced. The clock advances
/// in steps of a wake-up (half the device buffer at most).
///
/// A room with more outputs keeps the plain path: each other output's ring
/// already holds the frames the clock output would take back.
///
/// Threads: created and run on the real-time audio thread, which it never
/// leaves; `run` allocates nothing, takes no lock and does no I/O but the
/// device's calls (and the semaphore waits the plain path makes too). It
/// shares with the rest of the runtime only what `Feed` hands it.
final class RewindingWriter {
    /// What the writer takes from the session runtime: its ring, its command
    /// queue, its semaphores, and the runtime's own atomics behind closures.
    struct Feed {
        var ring: AudioRing
        var commands: CommandRing<StageCommand>
        /// Signalled by the mix thread after every block it mixed.
        var dataReady: Semaphore
        /// Signalled here once the ring has room for the mix thread to fill.
        var spaceFreed: Semaphore
        /// Signalled by the control thread with every command: ends a sleep early.
        var wake: Semaphore
        var refillThreshold: Int
        var heard: HeardMeter?
        /// The session frame of the writer's first frame.
        var origin: Int
        var apply: (StageCommand) -> Void
        var mixDone: () -> Bool
        var quit: () -> Bool
        var underrun: () -> Void
        /// Frames committed since the writer started (the runtime's `played` is `origin` plus them).
        var commit: (Int64) -> Void
        /// The device's recovered underruns so far.
        var xruns: (Int) -> Void
    }

    enum Outcome {
        /// The session ended (1 completed, 2 stopped, as `SessionRuntime` codes them); the device still plays what is queued.
        case ended(code: Int)
        /// A device call failed; every frame taken from the ring (the failed block included, so the clock
        /// stays with the mixer) counts as played, and the plain path takes the loss from the next block.
        case failed(any Error)
    }

    let sink: any RewindableSink
    let blockFrames: Int
    /// Frames left alone in front of the hardware pointer when rewinding.
    let marginFrames: Int
    /// Free frames at which a sleeping writer wakes to fill the device again.
    let wakeFrames: Int
    /// Rewinds made, and control batches that found nothing to take back (applied live).
    private(set) var rewinds = 0
    private(set) var liveControls = 0

    private let feed: Feed
    private let stage: ClockStage
    private let history: RewindHistory<ClockStage>
    private let sampleRate: Int
    private let block: UnsafeMutablePointer<Float>
    private let redo: UnsafeMutablePointer<Float>
    /// The mix after the master controls for every block kept: what the heard meter gets once it is committed.
    private let taps: UnsafeMutablePointer<Float>
    private var committed: Int64 = 0
    private var tail = 0
    private var stopped = false

    /// Frames left in front of the hardware pointer: 2 ms for the device's
    /// own fetch, plus a block for the time the re-rendering takes.
    static func margin(blockFrames: Int, sampleRate: Int) -> Int { sampleRate / 500 + blockFrames }

    /// - Parameters:
    ///   - marginFrames: nil for `margin(blockFrames:sampleRate:)` (tests set it to show what too small a one does).
    init(sink: any RewindableSink, master: OutputStage, level: OutputLevel, blockFrames: Int, sampleRate: Int,
         marginFrames: Int? = nil, feed: Feed) {
        self.sink = sink
        self.blockFrames = blockFrames
        self.sampleRate = sampleRate
        self.feed = feed
        self.marginFrames = marginFrames ?? Self.margin(blockFrames: blockFrames, sampleRate: sampleRate)
        let buffer = max(sink.bufferFrames, blockFrames)
        wakeFrames = max(blockFrames, buffer / 2)
        stage = ClockStage(master: master, level: level, blockFrames: blockFrames)
        history = RewindHistory(periodFrames: blockFrames, bufferFrames: buffer + blockFrames, stage: stage)
        block = .allocate(capacity: 2 * blockFrames)
        redo = .allocate(capacity: 2 * blockFrames * history.periods)
        taps = .allocate(capacity: 2 * blockFrames * history.periods)
    }

    deinit {
        block.deallocate()
        redo.deallocate()
        taps.deallocate()
    }

    private func tapSlot(_ frame: Int64) -> UnsafeMutablePointer<Float> {
        taps + 2 * blockFrames * Int((frame / Int64(blockFrames)) % Int64(history.periods))
    }

    /// Plays until the session ends or the device fails.
    func run() -> Outcome {
        var code = 1
        do {
            while !feed.quit() {
                if let first = feed.commands.pop() {
                    try control(first)
                    if stopped { code = 2; break }
                }
                commit(to: history.horizon(rewindable: sink.rewindable(), margin: marginFrames))
                let free = sink.writable()
                let queued = sink.bufferFrames - free
                // Fill while the device has room and the ring a block (or the device runs low: then
                // `take` waits for the mix thread and, failing it, plays silence as an underrun).
                let ready = feed.ring.available >= blockFrames || feed.mixDone() || queued <= lowWater
                if free < blockFrames || !ready {
                    if free >= wakeFrames {
                        // The device wants audio the mix thread has not made yet: wait for its next block
                        // (a control waits at most those 5 ms; the margin covers it).
                        feed.dataReady.wait(seconds: 0.005)
                        continue
                    }
                    sink.start()
                    // Full, or the ring is empty with plenty queued: sleep until the device has played down
                    // to the wake-up mark (the mix thread refills the ring meanwhile), or a control comes.
                    feed.wake.wait(seconds: max(0.001, Double(wakeFrames - free) / Double(sampleRate)))
                    continue
                }
                take()
                history.record(preStage: block, stage: stage)
                stage.process(block, frames: blockFrames)
                tapSlot(history.written - Int64(blockFrames)).update(from: stage.mid, count: 2 * blockFrames)
                try sink.write(block, frames: blockFrames)
                feed.xruns(sink.xrunCount)
                if stage.master.stopRemaining == 0 { code = 2; break }
                if tail > stage.master.latency { code = 1; break }
            }
        } catch {
            // Failure path only (the error was allocated by the throw).
            commit(to: history.written)
            return .failed(error)
        }
        // What is written is final now: the device plays it out (the runtime drains it).
        commit(to: history.written)
        return .ended(code: code)
    }

    /// Applies `first` and every command queued behind it: from the first
    /// block start the device can still take back, or to the live stage when
    /// there is none.
    private func control(_ first: StageCommand) throws {
        // A nested function passed as a non-escaping argument: no allocation.
        func applyAll(_: ClockStage) {
            feed.apply(first)
            while let next = feed.commands.pop() { feed.apply(next) }
        }
        guard var target = history.rewindTarget(rewindable: sink.rewindable(), margin: marginFrames) else {
            liveControls += 1
            applyAll(stage)
            return
        }
        target = max(target, committed)
        guard target < history.written else {
            liveControls += 1
            applyAll(stage)
            return
        }
        let back = Int(history.written - target)
        let taken = try sink.rewind(back)
        if taken != back {
            // The hardware got there first: keep what is queued, the control goes live.
            if taken > 0 { _ = try sink.forward(taken) }
            liveControls += 1
            applyAll(stage)
            return
        }
        rewinds += 1
        let n = history.rerender(from: target, stage: stage, control: applyAll, into: redo) { frame, _ in
            tapSlot(frame).update(from: stage.mid, count: 2 * blockFrames)
            return stage.master.stopRemaining != 0
        }
        try sink.write(redo, frames: n)
        feed.xruns(sink.xrunCount)
        if stage.master.stopRemaining == 0 { stopped = true }
    }

    /// Moves the committed frame forward to `frame` (a block start), handing
    /// the blocks passed to the heard meter and the new count to the runtime.
    private func commit(to frame: Int64) {
        guard frame > committed else { return }
        while committed < frame {
            feed.heard?.tap(tapSlot(committed), count: blockFrames, at: Int64(feed.origin) + committed)
            committed += Int64(blockFrames)
        }
        feed.commit(committed)
    }

    /// Frames queued below which a short ring is waited for, then played as an underrun.
    private var lowWater: Int { marginFrames + 2 * blockFrames }

    /// Takes the next block from the ring into `block`, waiting half a block
    /// for the mix thread when it is short, then filling with silence (an
    /// underrun) as the plain path does.
    private func take() {
        let ring = feed.ring
        var n = ring.read(into: block, frames: blockFrames)
        while n < blockFrames {
            if feed.mixDone() {
                n += ring.read(into: block + 2 * n, frames: blockFrames - n)
                if n < blockFrames {
                    (block + 2 * n).update(repeating: 0, count: 2 * (blockFrames - n))
                    tail += blockFrames - n
                }
                break
            }
            // Half a block's grace for the mix thread before it counts as an underrun.
            if !feed.dataReady.wait(seconds: Double(blockFrames) / Double(sampleRate) / 2) {
                feed.underrun()
                (block + 2 * n).update(repeating: 0, count: 2 * (blockFrames - n))
                break
            }
            n += ring.read(into: block + 2 * n, frames: blockFrames - n)
        }
        if ring.free >= feed.refillThreshold { feed.spaceFreed.signal() }
    }
}

/// The clock output's stage as the rewind history keeps it: the master
/// controls, then the output's own level and limiter. The live one keeps a
/// copy of each block between the two (`mid`), the mix as final, which is
/// what the heard meter measures. Audio thread only.
final class ClockStage: RewindStage {
    let master: OutputStage
    let level: OutputLevel
    /// The last block after the master controls (live stage only; empty in the history's copies).
    let mid: UnsafeMutablePointer<Float>
    private let midFrames: Int

    init(master: OutputStage, level: OutputLevel, blockFrames: Int) {
        self.master = master
        self.level = level
        midFrames = blockFrames
        mid = .allocate(capacity: 2 * max(1, blockFrames))
        mid.initialize(repeating: 0, count: 2 * max(1, blockFrames))
    }

    deinit { mid.deallocate() }

    func copy() -> ClockStage { ClockStage(master: master.copy(), level: level.copy(), blockFrames: 0) }

    func assign(from other: ClockStage) {
        master.assign(from: other.master)
        level.assign(from: other.level)
    }

    func process(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        master.processControls(buffer, frames: frames)
        mid.update(from: buffer, count: 2 * min(frames, midFrames))
        level.process(buffer, frames: frames)
    }
}

/// The clock output's device after the rewinding writer found it failed:
/// every write throws that error again, so the plain path's loss handling
/// takes over exactly as for a device that failed there. Closing it closes
/// the device.
final class FailedDevice: AudioSink {
    let device: any AudioSink
    let error: any Error
    init(_ device: any AudioSink, error: any Error) {
        self.device = device
        self.error = error
    }
    var sampleRate: Int { device.sampleRate }
    var xrunCount: Int { device.xrunCount }
    func write(_ samples: UnsafePointer<Float>, frames: Int) throws { throw error }
    func drain() throws { throw error }
    func close() { device.close() }
}
