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
    /// Loudness normalisation: the gain in dB applied as frames are decoded
    /// (nil when the plan has no target), and the track's measured loudness.
    private(set) var gainDB: Double?
    private(set) var loudness: Double?
    /// False while normalising a track whose measurement is not known yet: it
    /// plays at the gain it was given until the measurement comes.
    private(set) var measured = true
    private var level = GainRamp(1)

    /// Sets the gain before the track is heard: frames already decoded are
    /// brought to it at once (none of them has played).
    func normalize(gainDB db: Double, loudness: Double?, measured: Bool) {
        precondition(consumed == 0, "a track's gain changes at once only before it is heard")
        let ratio = Float(Decibels.gain(db) / level.current)
        level = GainRamp(Decibels.gain(db))
        gainDB = db
        self.loudness = loudness
        self.measured = measured
        if ratio != 1 {
            var i = readIndex
            while i < writeIndex {
                let slot = i % capacity
                let run = min(writeIndex - i, capacity - slot)
                let p = ring + 2 * slot
                for k in 0..<(2 * run) { p[k] *= ratio }
                i += run
            }
        }
    }

    /// Moves the gain to `db` over `frames` frames from the next frame
    /// decoded, so a measurement that came while the track plays is reached
    /// without a step.
    func glide(toGainDB db: Double, loudness: Double?, over frames: Int) {
        level.move(to: Decibels.gain(db), over: frames)
        gainDB = db
        self.loudness = loudness
        measured = true
    }

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

    /// The deck's length in output frames, from where it began in the track
    /// (a resumed session's track begins part-way): exact once decoding has
    /// ended, otherwise what the file's header promises (nil if it says nothing).
    var length: Int64? {
        if exhausted { return consumed + Int64(buffered) }
        return stream.durationFrames.map { max(0, $0 - stream.startedAt) }
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
            level.apply(to: ring + 2 * slot, frames: got)
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
