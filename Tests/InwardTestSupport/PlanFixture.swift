import Foundation

/// A session plan for tests, built from its phases and written as the TOML a
/// clinic would write. Tests name what they need (`PlanFixture.music(...)`)
/// instead of copying plan text from one another; a test that checks a plan
/// key keeps writing that key itself.
struct PlanFixture: Sendable {
    /// Where a phase's sound comes from.
    enum Source: Sendable {
        /// An M3U8 playlist next to the plan (see `TonePlaylist`).
        case playlist(String)
        case soundscape(intensity: Double, seed: Int)
        case silence

        var toml: String {
            switch self {
            case .playlist(let path): #"{ kind = "playlist", path = "\#(path)" }"#
            case .soundscape(let intensity, let seed): #"{ kind = "soundscape", intensity = \#(intensity), seed = \#(seed) }"#
            case .silence: #"{ kind = "silence" }"#
            }
        }
    }

    /// One `[[phase]]`; nil keys are left out (the plan's defaults apply).
    struct Phase: Sendable {
        var name: String
        /// "until dose" or a duration ("40s", "10m").
        var duration: String
        var levelDB: Double?
        var fadeIn: String?
        var fadeOut: String?
        var crossfade: String?
        var maxExtend: String?
        var source: Source

        init(_ name: String, _ duration: String, level levelDB: Double? = nil, fadeIn: String? = nil, fadeOut: String? = nil,
             crossfade: String? = nil, maxExtend: String? = nil, source: Source) {
            self.name = name
            self.duration = duration
            self.levelDB = levelDB
            self.fadeIn = fadeIn
            self.fadeOut = fadeOut
            self.crossfade = crossfade
            self.maxExtend = maxExtend
            self.source = source
        }

        var toml: String {
            var lines = ["[[phase]]", #"name = "\#(name)""#, #"duration = "\#(duration)""#]
            if let levelDB { lines.append("level_db = \(PlanFixture.number(levelDB))") }
            if let fadeIn { lines.append(#"fade_in = "\#(fadeIn)""#) }
            if let fadeOut { lines.append(#"fade_out = "\#(fadeOut)""#) }
            if let maxExtend { lines.append(#"max_extend = "\#(maxExtend)""#) }
            if let crossfade { lines.append(#"crossfade = "\#(crossfade)""#) }
            lines.append("source = \(source.toml)")
            return lines.joined(separator: "\n")
        }
    }

    /// The plan's name, which is also the name to start it by (`name.toml`).
    var name: String
    var route: String = "im"
    /// Top-level TOML written after name and route and before the phases:
    /// keys (`loudness_target = -23`) or tables (`[vitals]` with its keys).
    var preamble: [String] = []
    var phases: [Phase]

    /// The file name the daemon finds the plan by.
    var fileName: String { name + ".toml" }

    /// The plan as TOML.
    var toml: String {
        ([#"name = "\#(name)""#, #"route = "\#(route)""#] + preamble + phases.map(\.toml)).joined(separator: "\n") + "\n"
    }

    /// `[fileName: toml]`, as `DaemonHarness(plans:)` takes it.
    var files: [String: String] { [fileName: toml] }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension PlanFixture {
    /// Four phases of music from four playlists (`a.m3u8` ... plus `closing`):
    /// arrival until the dose, onset 40 s (may be held 30 s more), peak 90 s
    /// with 4 s crossfades, then `closing` (60 s); -6 dB, 1 s fades. The plan
    /// the session tests drive a whole session through.
    static func music(name: String, closing: Phase) -> PlanFixture {
        PlanFixture(name: name, phases: [
            Phase("arrival", "until dose", level: -6, fadeIn: "1s", fadeOut: "1s", source: .playlist("a.m3u8")),
            Phase("onset", "40s", level: -6, fadeIn: "1s", fadeOut: "1s", maxExtend: "30s", source: .playlist("b.m3u8")),
            Phase("peak", "90s", level: -6, fadeIn: "1s", fadeOut: "1s", crossfade: "4s", source: .playlist("c.m3u8")),
            closing,
        ])
    }

    /// Two soundscape phases at -12 dB: arrival until the dose, then a 10-minute
    /// onset. For tests of the log, the watchdog and the journal, which need a
    /// session but no audio files.
    static func soundscapes(name: String) -> PlanFixture {
        PlanFixture(name: name, phases: [
            Phase("arrival", "until dose", level: -12, fadeIn: "1s", source: .soundscape(intensity: 0.3, seed: 3)),
            Phase("onset", "10m", level: -12, fadeIn: "1s", fadeOut: "1s", source: .soundscape(intensity: 0.4, seed: 4)),
        ])
    }
}

/// An M3U8 playlist of generated sine tones (16-bit WAV), written into a
/// plan folder, for tests that need music the capture can tell apart.
struct TonePlaylist: Sendable {
    /// One track: `file` (without .wav) playing `frequency` Hz.
    struct Tone: Sendable {
        var file: String
        var frequency: Double
        var seconds: Double
        var amplitude: Float = 0.5
        var title: String?
        var artist: String?

        init(_ file: String, frequency: Double, seconds: Double, amplitude: Float = 0.5, title: String? = nil, artist: String? = nil) {
            self.file = file
            self.frequency = frequency
            self.seconds = seconds
            self.amplitude = amplitude
            self.title = title
            self.artist = artist
        }
    }

    /// The playlist's file name without `.m3u8`.
    var name: String
    var tones: [Tone]
    var sampleRate: Int = 48000

    init(_ name: String, _ tones: [Tone], sampleRate: Int = 48000) {
        self.name = name
        self.tones = tones
        self.sampleRate = sampleRate
    }

    /// A playlist `name.m3u8` of one tone in `name.wav`.
    static func single(_ name: String, frequency: Double, seconds: Double, amplitude: Float = 0.5,
                       sampleRate: Int = 48000) -> TonePlaylist {
        TonePlaylist(name, [Tone(name, frequency: frequency, seconds: seconds, amplitude: amplitude)], sampleRate: sampleRate)
    }

    /// Writes the tones and the playlist into `folder`.
    func write(to folder: URL) throws {
        var m3u = "#EXTM3U\n"
        for tone in tones {
            try TestAudio.sine(to: folder.appendingPathComponent(tone.file + ".wav").path, format: .wav16,
                               frequency: tone.frequency, amplitude: tone.amplitude, sampleRate: sampleRate,
                               seconds: tone.seconds, title: tone.title, artist: tone.artist)
            m3u += tone.file + ".wav\n"
        }
        try m3u.write(to: folder.appendingPathComponent(name + ".m3u8"), atomically: true, encoding: .utf8)
    }

    /// Writes several playlists into `folder` (as a `DaemonHarness` prepare step).
    static func write(_ playlists: [TonePlaylist], to folder: URL) throws {
        for playlist in playlists { try playlist.write(to: folder) }
    }
}
