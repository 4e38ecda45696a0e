public import Logging
import Foundation
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Wires the daemon together: state folder, control socket (or systemd's),
/// the session service, signal handling, and systemd notification.
public final class Daemon {
    public let settings: DaemonConfig
    private let logger: Logger
    /// The treatment room (`inwardd --room`), named in the journal's entries.
    private let room: String?

    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(settings: DaemonConfig, logger: Logger, room: String? = nil) throws {
        self.settings = settings
        self.logger = logger
        self.room = room
    }

    /// Serves until SIGTERM or SIGINT, which fade out any session (at most
    /// 3 s), end it cleanly and return.
    public func run() throws {
        // Signals are taken by one thread with sigwait; every other thread,
        // the audio thread included, has them blocked.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        try makeStateDirectory()
        let listeners: [ControlServer.Listener]
        if let passed = ControlServer.systemdListeners() {
            listeners = passed
            logger.info("listening on the socket systemd passed",
                        metadata: ["sockets": "\(passed.count)", "observer_socket": "\(passed.contains { $0.readOnly })"])
        } else {
            var bound = [ControlServer.Listener(fd: try bindSocket(settings.socket, group: settings.socketGroup, key: "socket_group"))]
            logger.info("listening", metadata: ["socket": "\(settings.socket)"])
            if let observe = settings.observeSocket {
                bound.append(ControlServer.Listener(fd: try bindSocket(observe, group: settings.observeGroup, key: "observe_group"),
                                                    readOnly: true))
                logger.info("listening for observers", metadata: ["socket": "\(observe)"])
            }
            listeners = bound
        }

        let timeline = TimelineLog(directory: sessionsDirectory)
        let journal = JournalMirror(room: room)
        logger.info("session logs", metadata: ["folder": "\(sessionsDirectory)", "journal": "\(journal.isAvailable)"])
        let service = SessionService(configuration: .init(settings),
                                     events: EventRecorder(log: timeline, journal: journal), logger: logger,
                                     resumeStore: ResumeStore(stateDirectory: settings.stateDirectory),
                                     loudnessCache: settings.stateDirectory + "/loudness.json")
        // A session the last daemon left playing (killed, crashed) goes on before anyone is served.
        service.resumeSavedSession()
        let server = ControlServer(listeners: listeners, handler: service, logger: logger)

        let logger = self.logger
        let waitedFor = signals
        let signalThread = Thread {
            var set = waitedFor
            var caught: Int32 = 0
            sigwait(&set, &caught)
            logger.notice("signal \(caught): fading out and stopping")
            SystemdNotify.stopping()
            service.shutdown()
            server.shutdown()
            timeline.closeAll()
        }
        signalThread.start()

        if let interval = Watchdog.interval() {
            let probes = Watchdog.Probes(loopTurns: { server.loopTurns }, poke: { server.poke() },
                                         playedFrames: { service.playedFrames },
                                         deviceRetryAge: { service.deviceRetryAge })
            Watchdog(interval: interval, probes: probes, logger: logger).start()
            logger.info("systemd watchdog on", metadata: ["interval_seconds": "\(interval)"])
        }
        SystemdNotify.ready(status: service.playedFrames == nil ? "idle, device \(settings.device)"
                                                                : "playing a resumed session, device \(settings.device)")
        server.run()
        logger.info("stopped")
    }

    /// Binds a control socket, mode 0660, for `group` when one is named (`key` in the config).
    private func bindSocket(_ path: String, group name: String?, key: String) throws -> Int32 {
        var group: gid_t?
        if let name {
            guard let entry = getgrnam(name) else {
                throw StartupError(description: "\(key) '\(name)' does not exist; create it (groupadd \(name)) or change the config")
            }
            group = entry.pointee.gr_gid
        }
        do {
            return try ControlServer.bind(path: path, mode: 0o660, group: group)
        } catch {
            throw StartupError(description: "\(error)")
        }
    }

    private var sessionsDirectory: String {
        URL(fileURLWithPath: settings.stateDirectory).appendingPathComponent("sessions").path
    }

    private func makeStateDirectory() throws {
        let sessions = sessionsDirectory
        do {
            try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
            chmod(settings.stateDirectory, 0o750)
            chmod(sessions, 0o750)
        } catch {
            throw StartupError(description: "cannot create the state folder \(sessions): \(error.localizedDescription); "
                + "check --state-dir and its permissions")
        }
    }
}
