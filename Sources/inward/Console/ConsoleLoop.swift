import InwardPOSIX
import InwardProtocol

/// The console's main loop: waits for a key (at most the input timeout),
/// takes what the Monitor feed brought, acts on the key, redraws. One
/// thread: ncurses and the controls run here; only the feed has its own.
final class ConsoleLoop {
    private let feed: MonitorFeed
    private let controls: ConsoleControls
    private var screen: ConsoleScreen
    private var status: SessionStatus?
    private var receivedAt = 0.0
    private var lastVersion = -1
    private var wasConnected = false
    private var everConnected = false
    private var backUntil = 0.0
    private var planRoutes: [String: String] = [:]
    /// How many marks the screen keeps.
    static let keptMarks = 50

    init(location: SocketLocation, timeout: Double) {
        feed = MonitorFeed(location: location, timeout: timeout)
        controls = ConsoleControls(location: location, timeout: timeout)
        screen = ConsoleScreen(room: location.room, socket: location.path, marks: [])
    }

    /// Runs until q or a signal; returns the signal, if one ended it.
    func run() -> Int32? {
        feed.start()
        var lastDraw = 0.0
        var fullRedraw = true
        while true {
            if let s = ConsoleSignals.pending { return s }
            let key = Curses.key()
            if let key {
                if key == .resize { fullRedraw = true } else if handle(key) { return nil }
            }
            let changed = absorbFeed()
            let now = MonotonicClock.seconds
            // The clocks on screen move every second even when nothing comes.
            if changed || key != nil || fullRedraw || now - lastDraw >= 1 {
                draw(full: fullRedraw)
                fullRedraw = false
                lastDraw = now
            }
        }
    }

    /// Takes the feed's news; true when there was any.
    private func absorbFeed() -> Bool {
        let u = feed.take()
        guard u.version != lastVersion || !u.events.isEmpty else { return false }
        lastVersion = u.version
        if let s = u.status {
            status = s
            receivedAt = u.receivedAt
        }
        for e in u.events {
            if let line = ConsoleScreen.markLine(e) { screen.marks.append(line) }
        }
        if screen.marks.count > Self.keptMarks { screen.marks.removeFirst(screen.marks.count - Self.keptMarks) }
        if u.connected && !wasConnected && everConnected {
            screen.daemonBack = "the daemon is back (\(DoseCommand.wallClock())); the session is as it reports below"
            backUntil = MonotonicClock.seconds + 15
        }
        if u.connected { everConnected = true }
        wasConnected = u.connected
        screen.daemonGone = u.connected ? nil : u.problem
        return true
    }

    private func draw(full: Bool) {
        let now = MonotonicClock.seconds
        if now > backUntil { screen.daemonBack = nil }
        screen.status = status
        screen.view = status.map { StatusView($0).advanced(by: now - receivedAt) }
        Curses.draw(screen.lines(width: Curses.columns, height: Curses.rows), forceFull: full)
    }

    /// Acts on a key; true to quit.
    private func handle(_ key: Curses.Key) -> Bool {
        if var form = screen.form {
            let outcome = form.handle(key)
            screen.form = outcome == .editing ? form : nil
            if outcome == .submit { show(submit(form)) }
            if outcome == .cancel { show(ConsoleControls.Answer(text: "cancelled", isError: false)) }
            return false
        }
        guard let action = ConsoleKeys.action(for: key) else { return false }
        if action == .quit { return true }
        if screen.daemonGone != nil {
            show(ConsoleControls.Answer(text: "not sent: the daemon is gone", isError: true))
            return false
        }
        switch action {
        case .pauseOrResume: show(controls.pauseOrResume(status))
        case .silence: show(controls.silence())
        case .volume(let delta): show(controls.volume(from: status?.volumeDB ?? 0, by: delta))
        case .hold(let seconds): show(controls.hold(seconds: seconds))
        case .calm: show(controls.calm())
        case .intensity(let up): show(controls.soundscape(.intensity, by: up ? 0.1 : -0.1))
        case .brightness(let up): show(controls.soundscape(.brightness, by: up ? 0.1 : -0.1))
        case .next: screen.form = .confirmNext(phase: status?.phase?.name)
        case .dose:
            let booster = status?.t0Seconds != nil
            screen.form = .dose(planRoute: route(of: status?.plan), booster: booster)
        case .vitals: screen.form = .vitals()
        case .note: screen.form = .note()
        case .quit: return true
        }
        return false
    }

    private func submit(_ form: ConsoleForm) -> ConsoleControls.Answer {
        switch form.purpose {
        case .confirmNext: controls.next()
        case .dose(let booster): controls.dose(form, booster: booster)
        case .vitals: controls.vitals(form)
        case .note: controls.note(form)
        }
    }

    private func show(_ answer: ConsoleControls.Answer) {
        screen.message = answer.text
        screen.messageIsError = answer.isError
    }

    /// The plan's route, asked of the daemon once per plan.
    private func route(of plan: String?) -> String? {
        guard let plan else { return nil }
        if let known = planRoutes[plan] { return known }
        let r = controls.planRoute(plan)
        if let r { planRoutes[plan] = r }
        return r
    }
}
