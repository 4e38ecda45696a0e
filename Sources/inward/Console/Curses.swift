import CNcurses
#if canImport(Glibc)
import Glibc
#endif

/// The terminal under `inward console`, through ncurses: full screen, keys
/// one at a time, the size followed on SIGWINCH (ncurses' own handler turns
/// it into a resize key), and the terminal put back as it was by `stop`.
///
/// Threading: ncurses is not thread-safe; everything here runs on the
/// console's main thread only.
enum Curses {
    /// A key, or nil when none came within the input timeout.
    enum Key: Equatable {
        case character(UInt8)
        case up, down, enter, backspace, backTab, escape, resize
        case other(Int32)
    }

    /// Takes over the terminal: no echo, keys as they are pressed (Ctrl-C
    /// still signals), arrow keys decoded, no cursor, `key()` waits at most
    /// `inputTimeoutMs`.
    static func start(inputTimeoutMs: Int32 = 100) {
        setlocale(LC_ALL, "")
        // A short escape delay: Esc cancels a form at once, arrows still decode over ssh.
        set_escdelay(50)
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(screen, true)
        curs_set(0)
        wtimeout(screen, inputTimeoutMs)
    }

    /// Gives the terminal back as it was before `start`.
    static func stop() {
        endwin()
    }

    private static var screen: UnsafeMutablePointer<WINDOW>? { inward_curses_screen() }

    static var rows: Int { Int(getmaxy(screen)) }
    static var columns: Int { Int(getmaxx(screen)) }

    /// The next key, or nil after the input timeout.
    static func key() -> Key? {
        let k = wgetch(screen)
        if k == inward_curses_err() { return nil }
        switch k {
        case inward_curses_key_up(): return .up
        case inward_curses_key_down(): return .down
        case inward_curses_key_enter(), 10, 13: return .enter
        case inward_curses_key_backspace(), 127, 8: return .backspace
        case inward_curses_key_btab(): return .backTab
        case inward_curses_key_resize(): return .resize
        case 27: return .escape
        case 0...255: return .character(UInt8(k))
        default: return .other(k)
        }
    }

    /// Draws `lines` over the whole screen, each cut to the width.
    static func draw(_ lines: [ScreenLine], forceFull: Bool = false) {
        if forceFull { clearok(screen, true) }
        werase(screen)
        let width = columns, height = rows
        for (row, line) in lines.prefix(height).enumerated() {
            let attributes: Int32 = switch line.style {
            case .plain: 0
            case .heading: inward_curses_bold()
            case .alert: inward_curses_reverse()
            }
            if attributes != 0 { wattron(screen, attributes) }
            // The last column of the last row is left empty: writing it scrolls some terminals.
            let room = row == height - 1 ? width - 1 : width
            mvwaddstr(screen, Int32(row), 0, String(line.text.prefix(max(0, room))))
            if attributes != 0 { wattroff(screen, attributes) }
        }
        wrefresh(screen)
    }
}

/// One row of the console's screen.
struct ScreenLine: Equatable {
    enum Style { case plain, heading, alert }
    var text: String
    var style: Style = .plain

    init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}
