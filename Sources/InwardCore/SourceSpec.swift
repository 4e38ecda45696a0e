/// What a phase plays.
public enum SourceSpec: Sendable, Equatable {
    /// An M3U/M3U8 playlist; the path is resolved against the plan's folder.
    case playlist(path: String)
    /// The built-in generated soundscape.
    case soundscape(SoundscapeParameters)
    /// Planned silence.
    case silence
}

/// The scale a soundscape draws its pitches from.
public enum Scale: String, Sendable, Equatable, CaseIterable {
    case major, minor, dorian, lydian, mixolydian, pentatonic
}

/// Parameters of the built-in soundscape generator.
public struct SoundscapeParameters: Sendable, Equatable {
    /// 0...1: how dense and present the bed is (voices, noise, movement).
    public var intensity: Double
    /// 0...1: how much high-frequency content (dark ... bright).
    public var brightness: Double
    /// Pitch class of the key's root, 0 = C, 2 = D, ... 11 = B.
    public var root: Int
    public var scale: Scale
    /// The same seed always renders the same sound.
    public var seed: UInt64

    public init(intensity: Double = 0.5, brightness: Double = 0.5, root: Int = 2,
                scale: Scale = .major, seed: UInt64 = 1) {
        self.intensity = intensity
        self.brightness = brightness
        self.root = root
        self.scale = scale
        self.seed = seed
    }

    /// The soundscape that covers a playlist that ran out or failed: calm, dark, quiet.
    public static let fallback = SoundscapeParameters(intensity: 0.35, brightness: 0.35, root: 2, scale: .major, seed: 1)

    /// The soundscape that stands in for a calm playlist none of whose files
    /// plays: the shipped plans' calm (warm, low intensity).
    public static let calmFallback = SoundscapeParameters(intensity: 0.15, brightness: 0.3, root: 2, scale: .major, seed: 90)
}
