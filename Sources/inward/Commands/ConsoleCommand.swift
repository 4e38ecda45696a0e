import ArgumentParser
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `inward console [--room NAME]`: the room on one full screen, one key per action.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "A full-screen view of the room that redraws live, with one-key actions.",
        discussion: """
            Shows the state, phase and time left, T+, what is playing, the level, vitals owed and \
            alerts, and the last marks. Keys: space pause/resume, c calm, s silence, up/down volume \
            ±1 dB, [ ] intensity, { } brightness, h hold 5 min, n next (asks y/n), d dose (asks route \
            and amount), v vitals, m note, q quit. Every key makes the same call as the matching \
            command, recorded with your login. Works in an 80×24 terminal and over ssh.
            """
    )

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if global.json { throw ValidationError("console is interactive and has no --json; use `inward status --follow --json`") }
    }

    func run() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw usage("console needs a terminal (for a script, use `inward status --follow`)")
        }
        let location = SocketLocation.resolve(option: global.socket, room: global.room)
        ConsoleSignals.install()
        Curses.start()
        let signal = ConsoleLoop(location: location, timeout: global.replyTimeout).run()
        Curses.stop()
        // The session goes on; leaving the console changes nothing in the room.
        if signal == SIGHUP { throw ExitCode(129) }
    }
}
