/// The render loop: prepares, mixes and writes blocks to a sink until the
/// session ends. With an unpaced sink (a WAV file, ALSA's null or file PCM)
/// a whole session renders as fast as the CPU allows.
public struct OfflineRenderer {
    public var blockFrames: Int

    public init(blockFrames: Int = 4096) {
        self.blockFrames = min(blockFrames, SessionMixer.maxBlock)
    }

    /// Renders `mixer` into `sink` to the end of the session and returns the
    /// frames written. `progress` is called after each block with the frames
    /// done and the total; `events` with what the engine posted.
    @discardableResult
    public func run(_ pipeline: RenderPipeline, into sink: any AudioSink,
                    progress: (Int64, Int64?) -> Void = { _, _ in },
                    events: ([EngineEvent]) -> Void = { _ in }) throws -> Int64 {
        precondition(pipeline.length != nil, "offline render needs a known session length (a dose time)")
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * outputChannels)
        defer { buffer.deallocate() }
        var written: Int64 = 0
        while true {
            pipeline.prepare(frames: blockFrames)
            let n = pipeline.render(into: buffer, frames: blockFrames)
            if n > 0 { try sink.write(buffer, frames: n) }
            written += Int64(n)
            let posted = pipeline.mixer.events.drain()
            if !posted.isEmpty { events(posted) }
            progress(written, pipeline.length)
            if n == 0 { break }
        }
        try sink.drain()
        return written
    }
}
