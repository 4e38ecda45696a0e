/// Sample format of the output, on an ALSA device or in a WAV file.
public enum SampleFormat: String, Sendable, CaseIterable {
    /// Signed 16-bit little endian, TPDF-dithered.
    case s16
    /// Signed 32-bit little endian.
    case s32
    /// 32-bit float little endian (no conversion).
    case float

    var bytesPerSample: Int { self == .s16 ? 2 : 4 }
}
