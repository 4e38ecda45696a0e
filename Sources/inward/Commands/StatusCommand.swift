#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import InwardPOSIX
import InwardProtocol

/// `inward status [--follow]` (Status, or a Monitor stream).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the session: phase, time left, T+ clock, track, level, device.",
        discussion: """
            With --follow, keep watching: on a terminal the block is redrawn in place with a \
            phase progress bar; piped, one line per event. Ctrl-C stops watching (the session goes on).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.short, .long], help: "Keep watching, updating on every event and every second.")
    var follow = false

    func run() throws {
        if follow { return try followStatus() }
        try withDaemon(global) { daemon in
            let reply = try daemon.call(SessionMethod.status)
            if global.json { return Output.json(reply) }
            Output.line(StatusView(reply["status"]?.objectValue ?? [:]).fullText)
        }
    }

    private func followStatus() throws {
        let tty = Terminal.stdoutIsTTY && !global.json
        FollowSignals.install(restoreCursor: tty)
        var view: StatusView?
        var receivedAt = MonotonicClock.seconds
        var lastEvent: String?
        var drawnLines = 0

        func redraw() {
            guard let view else { return }
            let lines = view.advanced(by: MonotonicClock.seconds - receivedAt).block(lastEvent: lastEvent)
            var out = drawnLines > 0 ? "\u{1B}[\(drawnLines)F" : ""
            out += "\u{1B}[J"
            for l in lines { out += l + "\u{1B}[K\n" }
            Output.write(out)
            drawnLines = lines.count
        }

        if tty { Output.write("\u{1B}[?25l") }
        defer { if tty { Output.write("\u{1B}[?25h") } }
        try withDaemon(global) { daemon in
            try daemon.stream(SessionMethod.monitor.qualifiedName, idleInterval: tty ? 1 : nil, onIdle: redraw) { reply, _ in
                if global.json {
                    Output.json(reply)
                    return true
                }
                if let s = reply["status"]?.objectValue {
                    view = StatusView(s)
                    receivedAt = MonotonicClock.seconds
                }
                let event = reply["event"]?.objectValue
                if let event { lastEvent = EventLine.line(event) }
                if tty {
                    redraw()
                } else {
                    var line = event.map { EventLine.line($0) + "  ·  " } ?? ""
                    line += view?.line ?? "-"
                    Output.line(line)
                }
                return true
            }
        }
    }
}

/// Ctrl-C (or SIGTERM) while following: show the cursor again and exit 0.
enum FollowSignals {
    nonisolated(unsafe) static var restoreCursor = false

    static func install(restoreCursor: Bool) {
        Self.restoreCursor = restoreCursor
        let handler: @convention(c) (Int32) -> Void = { _ in
            if FollowSignals.restoreCursor {
                let seq: StaticString = "\u{1B}[?25h\n"
                _ = write(STDOUT_FILENO, seq.utf8Start, seq.utf8CodeUnitCount)
            }
            _exit(0)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        // A parent may have left them blocked (some process launchers do).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
