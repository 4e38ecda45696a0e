import CSndfile
import Glibc

/// Writes interleaved stereo `Float` to a WAV file through libsndfile, as
/// 16-bit (TPDF-dithered like `AlsaSink`), 32-bit integer or 32-bit float.
///
/// The file is created (or truncated) with mode 0640 regardless of umask.
/// `close()` finalises the header; a file not closed has a header that may
/// not describe all its data.
public final class WavFileSink: AudioSink {
    public let path: String
    public let sampleRate: Int
    public let format: SampleFormat
    /// Always 0: a file never underruns.
    public var xrunCount: Int { 0 }

    private var handle: OpaquePointer?
    private var converter = SampleConverter()
    private let chunkFrames = 4096
    private let conversion: UnsafeMutableRawPointer

    /// - Throws: `AudioError.file` when the file cannot be created.
    public init(path: String, sampleRate: Int, format: SampleFormat = .s16) throws(AudioError) {
        self.path = path
        self.sampleRate = sampleRate
        self.format = format
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(0o640))
        if fd < 0 {
            throw .file(path: path, reason: String(cString: strerror(errno)))
        }
        // O_CREAT's mode is filtered by the umask and ignored for an existing file.
        fchmod(fd, mode_t(0o640))
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(outputChannels)
        let sub: Int32
        switch format {
        case .s16: sub = Int32(SF_FORMAT_PCM_16)
        case .s32: sub = Int32(SF_FORMAT_PCM_32)
        case .float: sub = Int32(SF_FORMAT_FLOAT)
        }
        info.format = Int32(SF_FORMAT_WAV) | sub
        guard let h = sf_open_fd(fd, Int32(SFM_WRITE), &info, 1) else {
            let reason = String(cString: sf_strerror(nil))
            Glibc.close(fd)
            throw .file(path: path, reason: reason)
        }
        handle = h
        conversion = .allocate(byteCount: chunkFrames * outputChannels * 4, alignment: 16)
    }

    deinit {
        close()
        conversion.deallocate()
    }

    public func write(_ samples: UnsafePointer<Float>, frames: Int) throws {
        guard let handle else {
            throw AudioError.file(path: path, reason: "the file is closed")
        }
        var done = 0
        while done < frames {
            let n = min(frames - done, chunkFrames)
            let src = samples + done * outputChannels
            let wrote: Int
            switch format {
            case .float:
                wrote = Int(sf_writef_float(handle, src, sf_count_t(n)))
            case .s16:
                let dst = conversion.assumingMemoryBound(to: Int16.self)
                converter.toS16(src, dst, count: n * outputChannels)
                wrote = Int(sf_writef_short(handle, dst, sf_count_t(n)))
            case .s32:
                let dst = conversion.assumingMemoryBound(to: Int32.self)
                SampleConverter.toS32(src, dst, count: n * outputChannels)
                wrote = Int(sf_writef_int(handle, dst, sf_count_t(n)))
            }
            if wrote != n {
                throw AudioError.file(path: path, reason: String(cString: sf_strerror(handle)))
            }
            done += n
        }
    }

    /// Flushes libsndfile's buffers to the file.
    public func drain() throws {
        guard let handle else { return }
        sf_write_sync(handle)
    }

    /// Finalises the WAV header and closes the file. Idempotent.
    public func close() {
        if let handle {
            sf_close(handle)
            self.handle = nil
        }
    }
}
