import CSndfile

/// A music file as a `FrameSource`: decodes with `AudioFile`, maps the file's
/// channels to stereo and resamples to the engine's rate with `Resampler`.
///
/// Channel mapping (each output row is normalised so the sum of its absolute
/// coefficients is 1, so the mix never exceeds the source's own peak):
/// - mono: duplicated to left and right at the same level (gain 1);
/// - stereo: unchanged;
/// - 6 channels (5.1): ITU-style `L + 0.707 C + 0.707 Ls`,
///   `R + 0.707 C + 0.707 Rs`, LFE dropped, then divided by 2.414 (-7.7 dB).
///   Channel order is WAV/FLAC's (L R C LFE Ls Rs), or Vorbis/Opus's
///   (L C R Ls Rs LFE) for Ogg files;
/// - any other count: channel 0 left, channel 1 right, every further channel
///   spread evenly to both sides at -3 dB (0.707), rows normalised.
///
/// All buffers are allocated in `init`; `read` does not allocate, but it does
/// decode (file I/O): run it on a reader thread, not the real-time one.
public final class TrackStream: FrameSource {
    public let path: String
    public let title: String?
    public let artist: String?
    /// Output frames per second.
    public let outputRate: Int
    /// The file's own rate and channel count.
    public let inputRate: Int
    public let inputChannels: Int

    /// Set when decoding failed part-way; the stream then ended early.
    public var error: AudioError? { file.error }

    /// Length in output frames, or nil when the file does not know its length.
    /// With resampling the real count may differ by a frame or two.
    public var durationFrames: Int64? {
        guard let n = file.knownFrames else { return nil }
        if inputRate == outputRate { return n }
        return Int64((Double(n) * Double(outputRate) / Double(inputRate)).rounded())
    }

    private let file: AudioFile
    private let resampler: Resampler?
    /// Frames decoded per libsndfile call.
    private let chunkFrames = 4096
    /// Decoded frames in the file's channel count.
    private let decodeBuffer: UnsafeMutablePointer<Float>
    /// Decoded frames mapped to stereo, awaiting the resampler.
    private let stereoBuffer: UnsafeMutablePointer<Float>
    /// Row-major 2 x inputChannels mixing matrix (unused for 1 and 2 channels).
    private let matrix: UnsafeMutablePointer<Float>
    private var pendingStart = 0
    private var pendingCount = 0
    private var inputEnded = false
    private var finished = false

    /// Opens `path` and prepares decoding to stereo at `outputRate`.
    ///
    /// - Throws: `AudioError.cannotOpen` / `.unsupported` from `AudioFile`,
    ///   `.resampler` if the rates cannot be converted.
    /// - Parameters:
    ///   - outputRate: the rate to resample to; nil keeps the file's own.
    ///   - startFrame: output frames into the track to begin at (a resumed
    ///     session); the file seeks there, and when it cannot, `startedAt`
    ///     stays 0 and it plays from its beginning.
    public init(path: String, outputRate wanted: Int?, quality: Resampler.Quality = .medium, startFrame: Int64 = 0) throws(AudioError) {
        let file = try AudioFile(path: path)
        let outputRate = wanted ?? file.sampleRate
        self.file = file
        self.path = path
        self.title = file.title
        self.artist = file.artist
        self.outputRate = outputRate
        self.inputRate = file.sampleRate
        self.inputChannels = file.channels
        if file.sampleRate != outputRate {
            resampler = try Resampler(inputRate: file.sampleRate, outputRate: outputRate,
                                      channels: outputChannels, quality: quality)
        } else {
            resampler = nil
        }
        decodeBuffer = .allocate(capacity: chunkFrames * file.channels)
        stereoBuffer = .allocate(capacity: chunkFrames * outputChannels)
        let coefficients = Self.downmix(channels: file.channels,
                                        vorbisOrder: file.majorFormat == Int32(SF_FORMAT_OGG))
        matrix = .allocate(capacity: max(1, coefficients.count))
        for (i, c) in coefficients.enumerated() { matrix[i] = c }
        if startFrame > 0 {
            let input = Int64((Double(startFrame) * Double(file.sampleRate) / Double(outputRate)).rounded())
            if file.knownFrames.map({ input < $0 }) ?? true, file.seek(toFrame: input) { startedAt = startFrame }
        }
    }

    /// Output frames into the track where decoding began.
    public private(set) var startedAt: Int64 = 0

    deinit {
        decodeBuffer.deallocate()
        stereoBuffer.deallocate()
        matrix.deallocate()
    }

    /// The 2 x `channels` downmix matrix (row-major: left row, then right row),
    /// each row normalised to an absolute sum of 1. Empty for 1 or 2 channels.
    static func downmix(channels n: Int, vorbisOrder: Bool) -> [Float] {
        guard n > 2 else { return [] }
        let c: Float = 0.70710677
        var left = [Float](repeating: 0, count: n)
        var right = [Float](repeating: 0, count: n)
        if n == 6 {
            // Index of L, R, C, LFE, Ls, Rs in the file.
            let (l, r, ctr, ls, rs) = vorbisOrder ? (0, 2, 1, 3, 4) : (0, 1, 2, 4, 5)
            left[l] = 1; left[ctr] = c; left[ls] = c
            right[r] = 1; right[ctr] = c; right[rs] = c
        } else {
            left[0] = 1
            right[1] = 1
            for i in 2..<n { left[i] = c; right[i] = c }
        }
        let ls = left.reduce(0) { $0 + abs($1) }
        let rs = right.reduce(0) { $0 + abs($1) }
        return left.map { $0 / ls } + right.map { $0 / rs }
    }

    /// Decodes up to `frames` file frames and writes them as stereo to `out`.
    @inline(__always)
    private func decodeStereo(into out: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        let ch = inputChannels
        if ch == 2 {
            return file.read(into: out, frames: frames)
        }
        let n = file.read(into: decodeBuffer, frames: frames)
        let src = decodeBuffer
        if ch == 1 {
            for i in 0..<n {
                let s = src[i]
                out[2 * i] = s
                out[2 * i + 1] = s
            }
        } else {
            let m = matrix
            for i in 0..<n {
                let frame = src + i * ch
                var l: Float = 0
                var r: Float = 0
                for k in 0..<ch {
                    let s = frame[k]
                    l += m[k] * s
                    r += m[ch + k] * s
                }
                out[2 * i] = l
                out[2 * i + 1] = r
            }
        }
        return n
    }

    /// Fills `buffer` with up to `frames` stereo frames at `outputRate`.
    /// Returns fewer only once the file (and the resampler's tail) is done.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        guard let resampler else {
            var written = 0
            while written < frames && !finished {
                let want = min(chunkFrames, frames - written)
                let n = decodeStereo(into: buffer + written * 2, frames: want)
                written += n
                if n < want { finished = true }
            }
            return written
        }
        var written = 0
        var idle = 0
        while written < frames && !finished {
            if pendingCount == 0 && !inputEnded {
                let n = decodeStereo(into: stereoBuffer, frames: chunkFrames)
                pendingStart = 0
                pendingCount = n
                if n < chunkFrames { inputEnded = true }
            }
            let out = buffer + written * 2
            let capacity = frames - written
            if pendingCount > 0 {
                let r = resampler.process(input: stereoBuffer + pendingStart * 2, inputFrames: pendingCount,
                                          output: out, outputCapacity: capacity)
                pendingStart += r.consumed
                pendingCount -= r.consumed
                written += r.produced
                // soxr always makes progress with room for output; guard anyway.
                if r.consumed == 0 && r.produced == 0 {
                    idle += 1
                    if idle > 4 { finished = true }
                } else {
                    idle = 0
                }
            } else {
                let r = resampler.process(input: nil, inputFrames: 0, output: out, outputCapacity: capacity)
                written += r.produced
                if r.produced == 0 { finished = true }
            }
        }
        return written
    }
}
