/// A look-ahead peak limiter: the last stage of the mix, so no sample ever
/// leaves the engine above the ceiling, whatever a crossfade of two loud
/// tracks sums to.
///
/// Each frame asks for the gain that would bring its peak to the ceiling. A
/// sliding minimum over the look-ahead window holds the smallest request, and
/// a moving average of that minimum, over the same window, smooths it. The
/// audio is delayed by `lookahead - 1` frames, so the smoothed gain has
/// reached the request of every frame by the time that frame comes out: the
/// gain glides down over the window instead of stepping, and the output can
/// not exceed the ceiling. Below the ceiling it is an exact delay.
///
/// All storage is allocated in `init`; `process` is safe on the render thread.
public final class Limiter {
    public let ceiling: Float
    public let lookahead: Int

    private let mask: Int
    private let delay: UnsafeMutablePointer<Float>      // stereo ring, `size` frames
    private let dequeGain: UnsafeMutablePointer<Float>  // monotonic deque for the sliding minimum
    private let dequeTime: UnsafeMutablePointer<Int>
    private let size: Int
    private var head = 0, tail = 0   // deque indices (mod size)
    private var time = 0             // frames processed
    private var minima: UnsafeMutablePointer<Float>     // sliding minima, ring for the moving average
    private var sum: Double          // sum of the last `lookahead` minima
    private var unityRun = Int.max   // consecutive frames whose sliding minimum was exactly 1

    /// - Parameters:
    ///   - ceiling: largest absolute sample value allowed out (linear).
    ///   - lookahead: window in frames (e.g. 5 ms); the added latency is one less.
    public init(ceiling: Float, lookahead: Int = 256) {
        self.ceiling = ceiling
        self.lookahead = max(2, lookahead)
        var s = 1
        while s < self.lookahead * 2 + 1024 { s <<= 1 }
        size = s
        mask = s - 1
        delay = .allocate(capacity: 2 * s)
        delay.initialize(repeating: 0, count: 2 * s)
        dequeGain = .allocate(capacity: s)
        dequeGain.initialize(repeating: 1, count: s)
        dequeTime = .allocate(capacity: s)
        dequeTime.initialize(repeating: 0, count: s)
        minima = .allocate(capacity: s)
        minima.initialize(repeating: 1, count: s)
        sum = Double(self.lookahead)
    }

    deinit {
        delay.deallocate()
        dequeGain.deallocate()
        dequeTime.deallocate()
        minima.deallocate()
    }

    /// The common case, nothing near the ceiling: only the delay (block
    /// copies through the ring), and the window's state set to what the full
    /// path would leave (all unity).
    private func passThrough(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        let d = lookahead - 1
        var done = 0
        // Chunks short enough that writing a chunk never overwrites ring
        // slots the same chunk still has to read.
        let chunk = size - d
        while done < frames {
            let m = min(chunk, frames - done)
            let io = buffer + 2 * done
            ringCopy(into: time, from: io, frames: m)
            ringCopy(out: time - d, to: io, frames: m)
            var k = 0
            while k < m {
                let slot = (time + k) & mask
                let run = min(m - k, size - slot)
                (minima + slot).update(repeating: 1, count: run)
                k += run
            }
            time += m
            done += m
        }
        unityRun = unityRun >= Int.max - frames ? Int.max : unityRun + frames
        head = 0
        tail = 1
        dequeGain[0] = 1
        dequeTime[0] = time - 1
        sum = Double(lookahead)
    }

    private func ringCopy(into start: Int, from source: UnsafePointer<Float>, frames: Int) {
        var k = 0
        while k < frames {
            let slot = (start + k) & mask
            let run = min(frames - k, size - slot)
            (delay + 2 * slot).update(from: source + 2 * k, count: 2 * run)
            k += run
        }
    }

    private func ringCopy(out start: Int, to target: UnsafeMutablePointer<Float>, frames: Int) {
        var k = 0
        while k < frames {
            let slot = (start + k) & mask
            let run = min(frames - k, size - slot)
            (target + 2 * k).update(from: delay + 2 * slot, count: 2 * run)
            k += run
        }
    }

    /// Largest absolute sample in `count` samples (four lanes, so it vectorises).
    private static func peak(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var a: Float = 0, b: Float = 0, c: Float = 0, e: Float = 0
        var i = 0
        while i + 4 <= count {
            let v0 = abs(x[i]), v1 = abs(x[i + 1]), v2 = abs(x[i + 2]), v3 = abs(x[i + 3])
            a = v0 > a ? v0 : a
            b = v1 > b ? v1 : b
            c = v2 > c ? v2 : c
            e = v3 > e ? v3 : e
            i += 4
        }
        while i < count {
            let v = abs(x[i])
            a = v > a ? v : a
            i += 1
        }
        return max(max(a, b), max(c, e))
    }

    /// Limits `frames` interleaved stereo frames in place (delayed by
    /// `lookahead - 1` frames).
    public func process(_ buffer: UnsafeMutablePointer<Float>, frames: Int) {
        let n = lookahead
        let d = n - 1
        if unityRun >= n {
            if Self.peak(buffer, count: 2 * frames) <= ceiling {
                passThrough(buffer, frames: frames)
                return
            }
        }
        for i in 0..<frames {
            let l = buffer[2 * i], r = buffer[2 * i + 1]
            let peak = max(abs(l), abs(r))
            let request: Float = peak > ceiling ? ceiling / peak : 1

            // Sliding minimum over the last n requests (monotonic deque).
            while head != tail, dequeGain[(tail - 1) & mask] >= request { tail = (tail - 1) & mask }
            dequeGain[tail] = request
            dequeTime[tail] = time
            tail = (tail + 1) & mask
            if dequeTime[head] <= time - n { head = (head + 1) & mask }
            let minimum = dequeGain[head]
            unityRun = minimum == 1 ? (unityRun == Int.max ? unityRun : unityRun + 1) : 0

            // Moving average of the minima over n frames.
            let slot = time & mask
            sum += Double(minimum) - Double(minima[(time - n) & mask])
            minima[slot] = minimum
            var gain = Float(sum / Double(n))
            if gain > 1 { gain = 1 }

            // Delay line: write now, read the frame from d frames ago.
            delay[2 * slot] = l
            delay[2 * slot + 1] = r
            let past = (time - d) & mask
            var ol = delay[2 * past] * gain
            var or = delay[2 * past + 1] * gain
            // Rounding in the running sum can leave a hair above the ceiling.
            if ol > ceiling { ol = ceiling } else if ol < -ceiling { ol = -ceiling }
            if or > ceiling { or = ceiling } else if or < -ceiling { or = -ceiling }
            buffer[2 * i] = ol
            buffer[2 * i + 1] = or
            time += 1
        }
        // Re-anchor the running sum now and then so rounding cannot drift.
        if time & 0xFFFF < frames {
            var s = 0.0
            for k in 0..<n { s += Double(minima[(time - 1 - k) & mask]) }
            sum = s
        }
    }
}

extension Limiter {
    /// Makes this limiter's state (delay line, window, clock) a copy of
    /// `other`'s, which must have the same look-ahead. No allocation: the
    /// rewind history keeps one spare limiter per queued period and copies
    /// into it on the audio thread.
    func assign(from other: Limiter) {
        precondition(other.size == size && other.lookahead == lookahead, "Limiter.assign: different look-ahead")
        delay.update(from: other.delay, count: 2 * size)
        dequeGain.update(from: other.dequeGain, count: size)
        dequeTime.update(from: other.dequeTime, count: size)
        minima.update(from: other.minima, count: size)
        head = other.head
        tail = other.tail
        time = other.time
        sum = other.sum
        unityRun = other.unityRun
    }
}
