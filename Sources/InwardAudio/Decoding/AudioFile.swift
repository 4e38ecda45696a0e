import CSndfile
import Glibc

/// A decoded audio file, read through libsndfile.
///
/// Reads WAV, FLAC, Ogg Vorbis, Opus and MP3 (whatever the system libsndfile,
/// 1.2 or later, supports). Samples come out as interleaved `Float` in the
/// file's own channel count and rate, normalised to -1...1 for integer formats.
///
/// Not thread-safe: use one instance from one thread at a time.
public final class AudioFile {
    /// The path the file was opened from.
    public let path: String
    /// Frames per second of the file.
    public let sampleRate: Int
    /// Channels per frame in the file (1 = mono, 2 = stereo, 6 = 5.1, ...).
    public let channels: Int
    /// Length in frames as reported by libsndfile.
    ///
    /// Exact for WAV and FLAC with a complete header. For Ogg (Vorbis/Opus) it
    /// comes from the last granule position and for MP3 from the Xing/LAME
    /// header or an estimate, so it can be a little off. When the length is not
    /// known libsndfile reports a huge value (`SF_COUNT_MAX`, `Int64.max`) or 0:
    /// treat values <= 0 or >= `Int64.max / 2` as unknown (see `knownFrames`).
    /// A truncated file reports what its header claims, not what is there.
    public let frames: Int64
    /// `SF_STR_TITLE` (WAV INFO, FLAC/Vorbis comments, ID3), if present.
    public let title: String?
    /// `SF_STR_ARTIST`, if present.
    public let artist: String?
    /// libsndfile's major format (`SF_FORMAT_WAV`, `SF_FORMAT_OGG`...), used to
    /// know the channel order of multichannel files.
    let majorFormat: Int32
    /// Set when decoding failed part-way; `read` then returns what it got and
    /// 0 afterwards.
    public private(set) var error: AudioError?

    private var handle: OpaquePointer?

    /// `frames` when the length is known, otherwise nil.
    public var knownFrames: Int64? {
        (frames > 0 && frames < Int64.max / 2) ? frames : nil
    }

    /// Opens `path` for decoding.
    ///
    /// - Throws: `AudioError.cannotOpen` when the file is missing or
    ///   unreadable, `AudioError.unsupported` when it is not audio libsndfile
    ///   can decode.
    public init(path: String) throws(AudioError) {
        self.path = path
        // libsndfile reports a missing file as a generic "System error"; ask
        // the system first for a precise reason.
        if access(path, R_OK) != 0 {
            let reason = String(cString: strerror(errno))
            throw .cannotOpen(path: path, reason: reason)
        }
        var info = SF_INFO()
        guard let h = sf_open(path, Int32(SFM_READ), &info) else {
            let code = sf_error(nil)
            let reason = String(cString: sf_strerror(nil))
            switch Int(code) {
            case Int(SF_ERR_UNRECOGNISED_FORMAT), Int(SF_ERR_MALFORMED_FILE),
                 Int(SF_ERR_UNSUPPORTED_ENCODING):
                throw .unsupported(path: path, reason: reason)
            default:
                throw .cannotOpen(path: path, reason: reason)
            }
        }
        guard info.channels > 0, info.samplerate > 0 else {
            sf_close(h)
            throw .unsupported(path: path, reason: "file reports \(info.channels) channels at \(info.samplerate) Hz")
        }
        handle = h
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        frames = Int64(info.frames)
        majorFormat = info.format & Int32(SF_FORMAT_TYPEMASK)
        title = Self.string(h, Int32(SF_STR_TITLE))
        artist = Self.string(h, Int32(SF_STR_ARTIST))
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    private static func string(_ h: OpaquePointer, _ id: Int32) -> String? {
        guard let c = sf_get_string(h, id) else { return nil }
        let s = String(cString: c)
        return s.isEmpty ? nil : s
    }

    /// Moves to `frame` (in the file's own frames) so decoding goes on from
    /// there; false when the file cannot seek there (it stays where it was).
    public func seek(toFrame frame: Int64) -> Bool {
        guard let handle, error == nil, frame >= 0 else { return false }
        return sf_seek(handle, sf_count_t(frame), SEEK_SET) >= 0
    }

    /// Decodes up to `frames` frames (interleaved, `channels` samples each) into
    /// `buffer`, which must hold `frames * channels` floats.
    ///
    /// Returns the number of frames decoded; 0 at the end of the file. Fewer
    /// than asked means the end was reached or decoding failed: in the latter
    /// case `error` is set and later calls return 0.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        guard let handle, error == nil, frames > 0 else { return 0 }
        let got = Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
        if got < frames {
            let code = sf_error(handle)
            if code != 0 {
                error = .decode(path: path, reason: String(cString: sf_strerror(handle)))
            }
        }
        return max(0, got)
    }
}
