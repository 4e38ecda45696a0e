import Foundation

/// An 8-line feedback delay network (Hadamard feedback matrix, one-pole
/// damping in each loop) for a long, soft, lush tail. All delay memory is
/// allocated in init; `process` only reads and writes it.
struct Reverb {
    static let lines = 8
    /// Delay lengths in ms, mutually prime-ish so the echo density is smooth.
    static let lengthsMs: [Double] = [43.1, 51.7, 59.3, 67.9, 76.3, 83.9, 93.7, 107.3]

    private let memory: UnsafeMutablePointer<Float>
    /// Per line: start offset into `memory`, length, write position, feedback gain, damping state.
    private let start: UnsafeMutablePointer<Int>
    private let length: UnsafeMutablePointer<Int>
    private let position: UnsafeMutablePointer<Int>
    private let feedback: UnsafeMutablePointer<Float>
    private let dampState: UnsafeMutablePointer<Float>
    private let damp: Float
    private let total: Int
    /// Frames `process` handles at a time; every line is longer.
    static let maxBlock = 64
    /// 2 x 8 lines x `maxBlock`: the block's line outputs, then their damped mix.
    private let scratch: UnsafeMutablePointer<Float>

    /// - Parameters:
    ///   - decaySeconds: RT60 of the tail.
    ///   - dampingHz: cutoff of the in-loop low-pass (darker = lower).
    init(sampleRate: Double, decaySeconds: Double, dampingHz: Double) {
        let n = Reverb.lines
        start = .allocate(capacity: n)
        length = .allocate(capacity: n)
        position = .allocate(capacity: n)
        feedback = .allocate(capacity: n)
        dampState = .allocate(capacity: n)
        var offset = 0
        for j in 0..<n {
            let len = max(Reverb.maxBlock, Int((Reverb.lengthsMs[j] * sampleRate / 1000).rounded()))
            start[j] = offset
            length[j] = len
            position[j] = 0
            // Hadamard normalisation (1/sqrt 8) folded into the loop gain.
            let g = pow(10, -3 * Double(len) / (decaySeconds * sampleRate))
            feedback[j] = Float(g / 8.0.squareRoot())
            dampState[j] = 0
            offset += len
        }
        total = offset
        memory = .allocate(capacity: offset)
        memory.initialize(repeating: 0, count: offset)
        damp = Float(1 - exp(-2 * Double.pi * dampingHz / sampleRate))
        scratch = .allocate(capacity: 2 * n * Reverb.maxBlock)
        scratch.initialize(repeating: 0, count: 2 * n * Reverb.maxBlock)
    }

    func deallocate() {
        memory.deallocate()
        start.deallocate()
        length.deallocate()
        position.deallocate()
        feedback.deallocate()
        dampState.deallocate()
        scratch.deallocate()
    }

    /// Reads `inL`/`inR` and writes the wet signal into `outL`/`outR`.
    func process(inL: UnsafeMutablePointer<Float>, inR: UnsafeMutablePointer<Float>,
                 outL: UnsafeMutablePointer<Float>, outR: UnsafeMutablePointer<Float>, frames: Int) {
        var done = 0
        while done < frames {
            let n = min(Reverb.maxBlock, frames - done)
            processBlock(inL: inL + done, inR: inR + done, outL: outL + done, outR: outR + done, frames: n)
            done += n
        }
    }

    /// One block, line by line rather than frame by frame: every line is
    /// longer than a block, so the block's outputs can all be read before any
    /// of its inputs is written. The arithmetic is the frame-by-frame loop's,
    /// in the same order (the same samples), but the mixing matrix and the
    /// writes run over contiguous arrays, which the compiler vectorises.
    private func processBlock(inL: UnsafeMutablePointer<Float>, inR: UnsafeMutablePointer<Float>,
                              outL: UnsafeMutablePointer<Float>, outR: UnsafeMutablePointer<Float>, frames n: Int) {
        let bf = Reverb.maxBlock
        let a = damp
        // raw(j): the line's outputs; mixed(j): damped, then (in place) the Hadamard mix.
        let raw = scratch, mixed = scratch + Reverb.lines * bf
        for j in 0..<Reverb.lines {
            let line = memory + start[j], len = length[j], p = position[j]
            let o = raw + j * bf
            let first = min(n, len - p)
            o.update(from: line + p, count: first)
            if first < n { (o + first).update(from: line, count: n - first) }
        }
        let o0 = raw, o1 = raw + bf, o2 = raw + 2 * bf, o3 = raw + 3 * bf
        let o4 = raw + 4 * bf, o5 = raw + 5 * bf, o6 = raw + 6 * bf, o7 = raw + 7 * bf
        let d0 = mixed, d1 = mixed + bf, d2 = mixed + 2 * bf, d3 = mixed + 3 * bf
        let d4 = mixed + 4 * bf, d5 = mixed + 5 * bf, d6 = mixed + 6 * bf, d7 = mixed + 7 * bf
        // The eight damping filters side by side: eight independent chains
        // keep the pipeline full where one chain would wait on each result.
        var s0 = dampState[0], s1 = dampState[1], s2 = dampState[2], s3 = dampState[3]
        var s4 = dampState[4], s5 = dampState[5], s6 = dampState[6], s7 = dampState[7]
        for i in 0..<n {
            s0 += a * (o0[i] - s0); s1 += a * (o1[i] - s1); s2 += a * (o2[i] - s2); s3 += a * (o3[i] - s3)
            s4 += a * (o4[i] - s4); s5 += a * (o5[i] - s5); s6 += a * (o6[i] - s6); s7 += a * (o7[i] - s7)
            let b0 = s0 + s1, b1 = s0 - s1, b2 = s2 + s3, b3 = s2 - s3
            let b4 = s4 + s5, b5 = s4 - s5, b6 = s6 + s7, b7 = s6 - s7
            let c0 = b0 + b2, c2 = b0 - b2, c1 = b1 + b3, c3 = b1 - b3
            let c4 = b4 + b6, c6 = b4 - b6, c5 = b5 + b7, c7 = b5 - b7
            d0[i] = c0 + c4; d4[i] = c0 - c4; d1[i] = c1 + c5; d5[i] = c1 - c5
            d2[i] = c2 + c6; d6[i] = c2 - c6; d3[i] = c3 + c7; d7[i] = c3 - c7
        }
        dampState[0] = s0; dampState[1] = s1; dampState[2] = s2; dampState[3] = s3
        dampState[4] = s4; dampState[5] = s5; dampState[6] = s6; dampState[7] = s7
        // Feed back with each line's loop gain, plus the input (L on even
        // lines, R on odd, lines 4 and 5 inverted).
        for j in 0..<Reverb.lines {
            let line = memory + start[j], len = length[j], p = position[j]
            let h = mixed + j * bf, g = feedback[j]
            let input = j % 2 == 0 ? inL : inR
            let first = min(n, len - p)
            Reverb.feed(line + p, h, g, input, invert: j == 4 || j == 5, count: first)
            if first < n { Reverb.feed(line, h + first, g, input + first, invert: j == 4 || j == 5, count: n - first) }
            position[j] = first < n ? n - first : (p + n == len ? 0 : p + n)
        }
        for i in 0..<n {
            outL[i] = (o0[i] - o2[i] + o4[i] - o6[i]) * 0.5
            outR[i] = (o1[i] - o3[i] + o5[i] - o7[i]) * 0.5
        }
    }

    @inline(__always)
    private static func feed(_ to: UnsafeMutablePointer<Float>, _ h: UnsafeMutablePointer<Float>, _ g: Float,
                             _ input: UnsafeMutablePointer<Float>, invert: Bool, count: Int) {
        if invert {
            for i in 0..<count { to[i] = h[i] * g - input[i] }
        } else {
            for i in 0..<count { to[i] = h[i] * g + input[i] }
        }
    }
}
