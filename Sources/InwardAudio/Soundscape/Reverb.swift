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
            let len = max(8, Int((Reverb.lengthsMs[j] * sampleRate / 1000).rounded()))
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
    }

    func deallocate() {
        memory.deallocate()
        start.deallocate()
        length.deallocate()
        position.deallocate()
        feedback.deallocate()
        dampState.deallocate()
    }

    /// Reads `inL`/`inR` and writes the wet signal into `outL`/`outR`.
    func process(inL: UnsafeMutablePointer<Float>, inR: UnsafeMutablePointer<Float>,
                 outL: UnsafeMutablePointer<Float>, outR: UnsafeMutablePointer<Float>, frames: Int) {
        let m = memory
        let s0 = m + start[0], s1 = m + start[1], s2 = m + start[2], s3 = m + start[3]
        let s4 = m + start[4], s5 = m + start[5], s6 = m + start[6], s7 = m + start[7]
        let n0 = length[0], n1 = length[1], n2 = length[2], n3 = length[3]
        let n4 = length[4], n5 = length[5], n6 = length[6], n7 = length[7]
        var p0 = position[0], p1 = position[1], p2 = position[2], p3 = position[3]
        var p4 = position[4], p5 = position[5], p6 = position[6], p7 = position[7]
        let g0 = feedback[0], g1 = feedback[1], g2 = feedback[2], g3 = feedback[3]
        let g4 = feedback[4], g5 = feedback[5], g6 = feedback[6], g7 = feedback[7]
        var d0 = dampState[0], d1 = dampState[1], d2 = dampState[2], d3 = dampState[3]
        var d4 = dampState[4], d5 = dampState[5], d6 = dampState[6], d7 = dampState[7]
        let a = damp

        for i in 0..<frames {
            let o0 = s0[p0], o1 = s1[p1], o2 = s2[p2], o3 = s3[p3]
            let o4 = s4[p4], o5 = s5[p5], o6 = s6[p6], o7 = s7[p7]
            d0 += a * (o0 - d0); d1 += a * (o1 - d1); d2 += a * (o2 - d2); d3 += a * (o3 - d3)
            d4 += a * (o4 - d4); d5 += a * (o5 - d5); d6 += a * (o6 - d6); d7 += a * (o7 - d7)
            // Fast Walsh-Hadamard transform of the damped outputs.
            let b0 = d0 + d1, b1 = d0 - d1, b2 = d2 + d3, b3 = d2 - d3
            let b4 = d4 + d5, b5 = d4 - d5, b6 = d6 + d7, b7 = d6 - d7
            let c0 = b0 + b2, c2 = b0 - b2, c1 = b1 + b3, c3 = b1 - b3
            let c4 = b4 + b6, c6 = b4 - b6, c5 = b5 + b7, c7 = b5 - b7
            let h0 = c0 + c4, h4 = c0 - c4, h1 = c1 + c5, h5 = c1 - c5
            let h2 = c2 + c6, h6 = c2 - c6, h3 = c3 + c7, h7 = c3 - c7
            let l = inL[i], r = inR[i]
            s0[p0] = h0 * g0 + l
            s1[p1] = h1 * g1 + r
            s2[p2] = h2 * g2 + l
            s3[p3] = h3 * g3 + r
            s4[p4] = h4 * g4 - l
            s5[p5] = h5 * g5 - r
            s6[p6] = h6 * g6 + l
            s7[p7] = h7 * g7 + r
            p0 += 1; if p0 == n0 { p0 = 0 }
            p1 += 1; if p1 == n1 { p1 = 0 }
            p2 += 1; if p2 == n2 { p2 = 0 }
            p3 += 1; if p3 == n3 { p3 = 0 }
            p4 += 1; if p4 == n4 { p4 = 0 }
            p5 += 1; if p5 == n5 { p5 = 0 }
            p6 += 1; if p6 == n6 { p6 = 0 }
            p7 += 1; if p7 == n7 { p7 = 0 }
            outL[i] = (o0 - o2 + o4 - o6) * 0.5
            outR[i] = (o1 - o3 + o5 - o7) * 0.5
        }
        position[0] = p0; position[1] = p1; position[2] = p2; position[3] = p3
        position[4] = p4; position[5] = p5; position[6] = p6; position[7] = p7
        dampState[0] = d0; dampState[1] = d1; dampState[2] = d2; dampState[3] = d3
        dampState[4] = d4; dampState[5] = d5; dampState[6] = d6; dampState[7] = d7
    }
}
