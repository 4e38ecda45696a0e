/// What a key does in the console.
enum ConsoleAction: Equatable {
    case pauseOrResume, calm, silence
    case volume(deltaDB: Double)
    case intensity(up: Bool)
    case brightness(up: Bool)
    case hold(seconds: Double)
    case next, dose, vitals, note, quit
}

/// The one-key map: one key, one action, the same calls the CLI makes.
enum ConsoleKeys {
    /// How long `h` holds the phase.
    static let holdSeconds = 300.0

    static func action(for key: Curses.Key) -> ConsoleAction? {
        switch key {
        case .up: return .volume(deltaDB: 1)
        case .down: return .volume(deltaDB: -1)
        case .character(let c):
            switch Character(Unicode.Scalar(c)) {
            case " ": return .pauseOrResume
            case "c": return .calm
            case "s": return .silence
            case "[": return .intensity(up: false)
            case "]": return .intensity(up: true)
            case "{": return .brightness(up: false)
            case "}": return .brightness(up: true)
            case "h": return .hold(seconds: holdSeconds)
            case "n": return .next
            case "d": return .dose
            case "v": return .vitals
            case "m": return .note
            case "q": return .quit
            default: return nil
            }
        default: return nil
        }
    }

    /// The key help at the bottom of the screen, two lines for 80 columns.
    static let help = [
        "space pause/resume  c calm  s silence  ↑↓ volume  [ ] intensity  { } brightness",
        "h hold 5 min  n next  d dose  v vitals  m note  q quit",
    ]
}
