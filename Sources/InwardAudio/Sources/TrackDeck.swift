/// One playlist track with its decode-ahead buffer.
///
/// `fill` (the decoding side) keeps up to `capacity` frames decoded ahead;
/// `read` (the render side) only copies out of the buffer. Because the
/// decoder runs ahead, the deck knows that its track is ending, early or not,
/// at least a buffer's length before the end is heard, which is what lets a
/// truncated or corrupt file be faded out instead of cut off.
final class TrackDeck {
    let stream: TrackStream
    /// Index of the entry in the playlist.
    let entry: Int
    let capacity: Int

    private let ring: UnsafeMutablePointer<Float>
    private var readIndex = 0    // frames, monotonic
    private var writeIndex = 0

    /// True once the decoder has delivered its last frame.
    private(set) var exhausted = false
    /// Frames handed to the mixer so far.
    private(set) var consumed: Int64 = 0
    /// Loudness normalisation (set before the first `fill`): the gain in dB
    /// applied as frames are decoded, and the track's measured loudness (nil
    /// when unmeasured).
    var gainDB: Double? {
        didSet { gain = Float(Decibels.gain(gainDB ?? 0)) }
    }
    var loudness: Double?
    private var gain: Float = 1

    init(stream: TrackStream, entry: Int, capacity: Int) {
        self.stream = stream
        self.entry = entry
        self.capacity = capacity
        ring = .allocate(capacity: capacity * outputChannels)
    }

    deinit {
        ring.deallocate()
    }

    var buffered: Int { writeIndex - readIndex }

    /// The track's length in output frames: exact once decoding has ended,
    /// otherwise what the file's header promises (nil if it says nothing).
    var length: Int64? {
        if exhausted { return consumed + Int64(buffered) }
        return stream.durationFrames
    }

    /// Frames left to play, when the length is known.
    var remaining: Int64? { length.map { max(0, $0 - consumed) } }

    /// Decodes until the buffer is full or the track has ended, once it has
    /// drained to half: decoding and resampling in large runs costs far less
    /// per frame than a period at a time.
    func fill() {
        guard buffered <= capacity / 2 else { return }
        while !exhausted && buffered < capacity {
            let slot = writeIndex % capacity
            let want = min(capacity - buffered, capacity - slot)
            let got = stream.read(into: ring + 2 * slot, frames: want)
            if gain != 1 {
                let p = ring + 2 * slot
                for i in 0..<(2 * got) { p[i] *= gain }
            }
            writeIndex += got
            if got < want { exhausted = true }
        }
    }

    /// Copies up to `frames` buffered frames out; returns how many.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        let n = min(frames, buffered)
        var i = 0
        while i < n {
            let slot = (readIndex + i) % capacity
            let run = min(n - i, capacity - slot)
            (buffer + 2 * i).update(from: ring + 2 * slot, count: 2 * run)
            i += run
        }
        readIndex += n
        consumed += Int64(n)
        return n
    }
}
