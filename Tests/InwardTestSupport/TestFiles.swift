import Foundation
import InwardAudio

/// Small file and reading helpers shared by the audio tests.
enum TestFiles {
    /// `name` inside `dir`, as a path.
    static func path(_ dir: URL, _ name: String) -> String {
        dir.appendingPathComponent(name).path
    }

    /// Reads an `AudioFile` to its end in blocks of `block` frames; returns
    /// the interleaved samples.
    static func readAll(_ file: AudioFile, block: Int = 1000) -> [Float] {
        var out: [Float] = []
        var buf = [Float](repeating: 0, count: block * file.channels)
        while true {
            let n = buf.withUnsafeMutableBufferPointer { file.read(into: $0.baseAddress!, frames: block) }
            out.append(contentsOf: buf[0..<(n * file.channels)])
            if n == 0 { break }
        }
        return out
    }

    /// Reads a `FrameSource` (stereo) until it returns fewer frames than asked,
    /// in blocks of `block` frames; returns the interleaved samples.
    static func readAll(_ source: any FrameSource, block: Int = 777, limit: Int = 50_000_000) -> [Float] {
        var out: [Float] = []
        var buf = [Float](repeating: 0, count: block * 2)
        while out.count < limit {
            let n = buf.withUnsafeMutableBufferPointer { source.read(into: $0.baseAddress!, frames: block) }
            out.append(contentsOf: buf[0..<(n * 2)])
            if n < block { break }
        }
        return out
    }

    /// Stereo test signal: 440 Hz at `left` on the left, 1 kHz at `right` on
    /// the right, interleaved.
    static func stereoTones(frames: Int, sampleRate: Int, left: Float = 0.5, right: Float = 0.25) -> [Float] {
        var s = [Float](repeating: 0, count: frames * 2)
        let wl = 2 * Double.pi * 440 / Double(sampleRate)
        let wr = 2 * Double.pi * 1000 / Double(sampleRate)
        for i in 0..<frames {
            s[2 * i] = left * Float(sin(wl * Double(i)))
            s[2 * i + 1] = right * Float(sin(wr * Double(i)))
        }
        return s
    }
}
