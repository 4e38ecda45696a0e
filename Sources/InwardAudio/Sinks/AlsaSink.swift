import CAlsa
import Glibc

/// Plays interleaved stereo `Float` to an ALSA PCM with blocking
/// `snd_pcm_writei` (RW interleaved access, 2 channels).
///
/// Blocking writes pace the caller on a real device; the `null` PCM and the
/// `file` plugin accept data as fast as it comes. Poll/epoll is not used (the
/// null PCM's poll descriptor is /dev/null, which epoll refuses).
///
/// Not thread-safe: one writer thread.
public final class AlsaSink: AudioSink {
    /// The PCM name it was opened with.
    public let device: String
    /// The format negotiated (or forced).
    public private(set) var format: SampleFormat
    /// The rate the device accepted (`snd_pcm_hw_params_set_rate_near`); the
    /// engine must render at this rate.
    public let sampleRate: Int
    /// Period size the device accepted, in frames.
    public let periodFrames: Int
    /// Buffer size the device accepted, in frames.
    public let bufferFrames: Int
    /// Underruns (and suspends) recovered so far.
    public private(set) var xrunCount = 0
    /// False for the null PCM and the file plugin, which run at no clock of their own.
    public let clocked: Bool

    private var pcm: OpaquePointer?
    private var converter = SampleConverter()
    /// Integer conversion buffer, `conversionFrames` stereo frames.
    private let conversion: UnsafeMutableRawPointer
    private let conversionFrames: Int

    /// Opens and configures `device`.
    ///
    /// - Parameters:
    ///   - format: nil negotiates the first the device takes of float, s32, s16.
    ///   - periodFrames, bufferFrames: requested sizes; the device picks the
    ///     nearest it supports (see the properties of the same name). Nil:
    ///     `DeviceBuffering.defaults` for the kind of device (deep on one
    ///     that can rewind).
    /// - Throws: `AudioError.device` naming the device and the failing step.
    public init(device: String, sampleRate: Int = 48000, format: SampleFormat? = nil,
                periodFrames: Int? = nil, bufferFrames: Int? = nil) throws(AudioError) {
        self.device = device
        var handle: OpaquePointer?
        var rc = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard rc >= 0, let pcm = handle else {
            throw .device(name: device, operation: "open", reason: Self.message(rc))
        }
        let kind = snd_pcm_type(pcm)
        let defaults = DeviceBuffering.defaults(rewinds: kind == SND_PCM_TYPE_HW || kind == SND_PCM_TYPE_DMIX,
                                                sampleRate: sampleRate)
        let periodFrames = periodFrames ?? defaults.periodFrames
        let bufferFrames = bufferFrames ?? defaults.bufferFrames
        func fail(_ op: String, _ code: Int32) -> AudioError {
            snd_pcm_close(pcm)
            return .device(name: device, operation: op, reason: Self.message(code))
        }

        var hwp: OpaquePointer?
        snd_pcm_hw_params_malloc(&hwp)
        guard let hw = hwp else { throw fail("allocate hardware parameters", -ENOMEM) }
        defer { snd_pcm_hw_params_free(hw) }
        rc = snd_pcm_hw_params_any(pcm, hw)
        if rc < 0 { throw fail("read hardware parameters", rc) }
        rc = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)
        if rc < 0 { throw fail("set interleaved access", rc) }
        rc = snd_pcm_hw_params_set_channels(pcm, hw, UInt32(outputChannels))
        if rc < 0 { throw fail("set \(outputChannels) channels", rc) }

        var chosen: SampleFormat
        if let format {
            chosen = format
        } else {
            guard let first = [SampleFormat.float, .s32, .s16].first(where: {
                snd_pcm_hw_params_test_format(pcm, hw, $0.alsa) == 0
            }) else { throw fail("negotiate a sample format (tried FLOAT_LE, S32_LE, S16_LE)", -EINVAL) }
            chosen = first
        }
        rc = snd_pcm_hw_params_set_format(pcm, hw, chosen.alsa)
        if rc < 0 { throw fail("set sample format \(chosen.rawValue)", rc) }

        var rate = UInt32(max(1, sampleRate))
        var dir: Int32 = 0
        rc = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir)
        if rc < 0 { throw fail("set rate \(sampleRate) Hz", rc) }
        var period = snd_pcm_uframes_t(max(16, periodFrames))
        dir = 0
        rc = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir)
        if rc < 0 { throw fail("set period size \(periodFrames)", rc) }
        var buffer = snd_pcm_uframes_t(max(Int(period) * 2, bufferFrames))
        rc = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer)
        if rc < 0 { throw fail("set buffer size \(bufferFrames)", rc) }
        rc = snd_pcm_hw_params(pcm, hw)
        if rc < 0 { throw fail("apply hardware parameters", rc) }
        dir = 0
        snd_pcm_hw_params_get_period_size(hw, &period, &dir)
        snd_pcm_hw_params_get_buffer_size(hw, &buffer)
        snd_pcm_hw_params_get_rate(hw, &rate, &dir)

        var swp: OpaquePointer?
        snd_pcm_sw_params_malloc(&swp)
        if let sw = swp {
            defer { snd_pcm_sw_params_free(sw) }
            snd_pcm_sw_params_current(pcm, sw)
            // Start once the buffer is full (drain starts a short stream).
            snd_pcm_sw_params_set_start_threshold(pcm, sw, buffer)
            snd_pcm_sw_params_set_avail_min(pcm, sw, period)
            rc = snd_pcm_sw_params(pcm, sw)
            if rc < 0 { throw fail("apply software parameters", rc) }
        }

        let type = snd_pcm_type(pcm)
        clocked = type != SND_PCM_TYPE_NULL && type != SND_PCM_TYPE_FILE
        self.pcm = pcm
        self.format = chosen
        self.sampleRate = Int(rate)
        self.periodFrames = Int(period)
        self.bufferFrames = Int(buffer)
        conversionFrames = max(Int(buffer), 1024)
        conversion = .allocate(byteCount: conversionFrames * outputChannels * 4, alignment: 16)
    }

    deinit {
        close()
        conversion.deallocate()
    }

    static func message(_ code: Int32) -> String {
        String(cString: snd_strerror(code))
    }

    /// Writes `frames` stereo frames, blocking until ALSA took them all.
    /// Recovers from underruns (-EPIPE), suspends (-ESTRPIPE) and signals
    /// (-EINTR) with `snd_pcm_recover`, counting underruns and suspends in
    /// `xrunCount`.
    ///
    /// - Throws: `AudioError.device` on any other error or after `close()`.
    public func write(_ samples: UnsafePointer<Float>, frames: Int) throws {
        guard let pcm else {
            throw AudioError.device(name: device, operation: "write", reason: "device is closed")
        }
        var done = 0
        while done < frames {
            let n = min(frames - done, conversionFrames)
            let src = samples + done * outputChannels
            let data: UnsafeRawPointer
            switch format {
            case .float:
                data = UnsafeRawPointer(src)
            case .s16:
                let dst = conversion.assumingMemoryBound(to: Int16.self)
                converter.toS16(src, dst, count: n * outputChannels)
                data = UnsafeRawPointer(dst)
            case .s32:
                let dst = conversion.assumingMemoryBound(to: Int32.self)
                SampleConverter.toS32(src, dst, count: n * outputChannels)
                data = UnsafeRawPointer(dst)
            }
            try writeAll(pcm, data, frames: n)
            done += n
        }
    }

    private func writeAll(_ pcm: OpaquePointer, _ data: UnsafeRawPointer, frames: Int) throws {
        let frameBytes = outputChannels * format.bytesPerSample
        var off = 0
        while off < frames {
            let r = snd_pcm_writei(pcm, data + off * frameBytes, snd_pcm_uframes_t(frames - off))
            if r >= 0 {
                off += r
                continue
            }
            let code = Int32(truncatingIfNeeded: r)
            if code == -EPIPE || code == -ESTRPIPE || code == -EINTR {
                if code != -EINTR { xrunCount += 1 }
                let rec = snd_pcm_recover(pcm, code, 1)
                if rec < 0 {
                    throw AudioError.device(name: device, operation: "recover from underrun", reason: Self.message(rec))
                }
                continue
            }
            if code == -EAGAIN {
                _ = snd_pcm_wait(pcm, 100)
                continue
            }
            throw AudioError.device(name: device, operation: "write", reason: Self.message(code))
        }
    }

    /// Whether queued frames can really be taken back: true for ALSA hw and
    /// dmix PCMs only. An ioplug PCM such as pulse accepts `snd_pcm_rewind`
    /// but only moves its application pointer after the frames have gone to
    /// the server, and plug/route/rate wrappers convert on the way; those get
    /// false and controls wait for what is queued.
    public var canRewind: Bool {
        guard let pcm else { return false }
        let type = snd_pcm_type(pcm)
        return type == SND_PCM_TYPE_HW || type == SND_PCM_TYPE_DMIX
    }

    /// Frames queued and not yet read by the hardware, which `rewind` may take
    /// back (0 when the device cannot rewind or cannot say).
    public func rewindable() -> Int {
        guard canRewind, let pcm else { return 0 }
        let n = snd_pcm_rewindable(pcm)
        return n > 0 ? Int(n) : 0
    }

    /// Takes back up to `frames` queued frames (the next write replaces them);
    /// returns how many it took back.
    ///
    /// - Throws: `AudioError.device` when the device refuses.
    public func rewind(_ frames: Int) throws -> Int {
        guard let pcm else {
            throw AudioError.device(name: device, operation: "rewind", reason: "device is closed")
        }
        guard canRewind, frames > 0 else { return 0 }
        let n = snd_pcm_rewind(pcm, snd_pcm_uframes_t(frames))
        if n < 0 {
            throw AudioError.device(name: device, operation: "rewind \(frames) frames", reason: Self.message(Int32(truncatingIfNeeded: n)))
        }
        return Int(n)
    }

    /// Moves the application pointer forward again over up to `frames`
    /// frames just taken back by `rewind`, keeping what was queued there
    /// (`snd_pcm_forward`); returns how many.
    ///
    /// - Throws: `AudioError.device` when the device refuses.
    public func forward(_ frames: Int) throws -> Int {
        guard let pcm else {
            throw AudioError.device(name: device, operation: "forward", reason: "device is closed")
        }
        guard frames > 0 else { return 0 }
        let n = snd_pcm_forward(pcm, snd_pcm_uframes_t(frames))
        if n < 0 {
            throw AudioError.device(name: device, operation: "forward \(frames) frames", reason: Self.message(Int32(truncatingIfNeeded: n)))
        }
        return Int(n)
    }

    /// Starts a prepared PCM (`snd_pcm_start`); nothing when it already runs
    /// (`snd_pcm_state` reads the mapped status, no system call on hw).
    public func start() {
        guard let pcm, snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED else { return }
        _ = snd_pcm_start(pcm)
    }

    /// Frames that can be written now without blocking (`snd_pcm_avail_update`).
    /// After an underrun or suspend it returns the whole buffer, so the next
    /// `write` finds the error and recovers from it.
    public func writable() -> Int {
        guard let pcm else { return 0 }
        let n = snd_pcm_avail_update(pcm)
        return n >= 0 ? min(Int(n), bufferFrames) : bufferFrames
    }

    /// Frames written and not yet played (`snd_pcm_delay`), nil when the
    /// device cannot say (closed, or in an error state). Does not block or allocate.
    public func delay() -> Int? {
        guard let pcm else { return nil }
        var frames: snd_pcm_sframes_t = 0
        guard snd_pcm_delay(pcm, &frames) >= 0 else { return nil }
        return Int(frames)
    }

    /// Frames a write would take now without blocking (`snd_pcm_avail_update`),
    /// nil when the device cannot say. Does not block or allocate.
    public func writableFrames() -> Int? {
        guard let pcm else { return nil }
        let n = snd_pcm_avail_update(pcm)
        return n >= 0 ? Int(n) : nil
    }

    /// Blocks until everything written has been played.
    public func drain() throws {
        guard let pcm else {
            throw AudioError.device(name: device, operation: "drain", reason: "device is closed")
        }
        let rc = snd_pcm_drain(pcm)
        if rc < 0 && rc != -EPIPE {
            throw AudioError.device(name: device, operation: "drain", reason: Self.message(rc))
        }
    }

    /// Closes the device (dropping anything not yet played; call `drain` first
    /// to hear it). Idempotent.
    public func close() {
        if let pcm {
            snd_pcm_close(pcm)
            self.pcm = nil
        }
    }

    /// Playback PCMs ALSA advertises (`snd_device_name_hint`), as shown by
    /// `aplay -L`: the name to pass as `device` and a one-line description.
    public static func devices() -> [(name: String, description: String)] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) >= 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        func get(_ hint: UnsafeMutableRawPointer, _ id: String) -> String? {
            guard let c = snd_device_name_get_hint(hint, id) else { return nil }
            defer { free(c) }
            return String(cString: c)
        }
        var result: [(name: String, description: String)] = []
        var i = 0
        while let hint = hints[i] {
            i += 1
            guard let name = get(hint, "NAME") else { continue }
            if let io = get(hint, "IOID"), io == "Input" { continue }
            let desc = (get(hint, "DESC") ?? "").split(separator: "\n").joined(separator: ", ")
            result.append((name: name, description: desc))
        }
        return result
    }
}

extension SampleFormat {
    var alsa: snd_pcm_format_t {
        switch self {
        case .s16: return SND_PCM_FORMAT_S16_LE
        case .s32: return SND_PCM_FORMAT_S32_LE
        case .float: return SND_PCM_FORMAT_FLOAT_LE
        }
    }
}
