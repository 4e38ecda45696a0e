/// Everything that can go wrong reading, resampling or playing audio.
///
/// Each case carries where it happened (a file path or an ALSA device name) and
/// the underlying library's own message (libsndfile's `sf_strerror`, ALSA's
/// `snd_strerror`, libsoxr's error string), so `description` can say what went
/// wrong, where, and what to do about it.
public enum AudioError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file could not be opened at all (missing, unreadable, a directory...).
    case cannotOpen(path: String, reason: String)
    /// The file opened but is not audio Inward can decode (unknown or corrupt
    /// container, unsupported encoding, odd channel count or rate).
    case unsupported(path: String, reason: String)
    /// Decoding failed part-way through the file (truncated or corrupt data).
    case decode(path: String, reason: String)
    /// An ALSA call failed. `name` is the PCM device name (e.g. `default`,
    /// `hw:0,0`), `operation` what Inward was doing (`open`, `set format`,
    /// `write`...) and `reason` the `snd_strerror` text.
    case device(name: String, operation: String, reason: String)
    /// libsoxr could not convert between these rates (`reason`: its message).
    case resampler(from: Int, to: Int, reason: String)
    /// Writing the WAV output file failed.
    case file(path: String, reason: String)

    static let formatsHint = "Inward reads WAV, FLAC, Ogg Vorbis, Opus and MP3."

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open '\(path)': \(Self.sentence(reason)) Check that the file exists and is readable by the user Inward runs as."
        case let .unsupported(path, reason):
            return "cannot open '\(path)': \(Self.sentence(reason)) Is it an audio file? \(Self.formatsHint)"
        case let .decode(path, reason):
            return "error decoding '\(path)': \(Self.sentence(reason)) The file may be truncated or corrupt; playback of it stopped early. Try re-encoding or replacing it."
        case let .device(name, operation, reason):
            if operation == "open" {
                return "ALSA device '\(name)' not found or not usable: \(Self.sentence(reason)) List devices with `inward devices` or `aplay -L`, and check that no other program holds it."
            }
            return "ALSA device '\(name)': cannot \(operation): \(Self.sentence(reason)) Check the device and its configuration (`aplay -L`, `aplay -D \(name) --dump-hw-params /dev/zero`)."
        case let .resampler(from, to, reason):
            return "cannot resample \(from) Hz to \(to) Hz: \(Self.sentence(reason)) "
                + "Convert the file to a common rate (44100 or 48000 Hz), or set the daemon's sample_rate to the file's."
        case let .file(path, reason):
            return "cannot write WAV file '\(path)': \(Self.sentence(reason)) Check that the directory exists, is writable and has free space."
        }
    }

    /// Trims a library message and ends it with a full stop.
    static func sentence(_ text: String) -> String {
        var t = text
        while let last = t.last, last.isWhitespace { t.removeLast() }
        if t.isEmpty { return "unknown error." }
        if let last = t.last, ".!?".contains(last) { return t }
        return t + "."
    }
}
