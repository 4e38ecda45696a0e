import ArgumentParser
import Foundation
import InwardAudio
import InwardDaemon
import Logging

/// `inwardd`: the room daemon.
@main
struct Inwardd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inwardd",
        abstract: "Play KAP session plans through ALSA, steered over a Varlink socket.",
        discussion: """
            Settings come from the config file (default /etc/inward/inwardd.toml, then for a room \
            /etc/inward/rooms/ROOM.toml, each when present), then from these options. Under systemd \
            socket activation the listening socket comes from systemd and --socket is ignored; \
            systemd's $STATE_DIRECTORY is the state folder when set.
            """
    )

    @Option(help: "The treatment room this daemon plays for: socket /run/inward/ROOM/control, state /var/lib/inward/ROOM, config /etc/inward/rooms/ROOM.toml.")
    var room: String?
    @Option(help: "Control socket path.") var socket: String?
    @Option(name: .customLong("state-dir"), help: "Folder for session logs and state.") var stateDir: String?
    @Option(help: "ALSA PCM to play into.") var device: String?
    @Option(help: "Sample format for the device: s16, s32 or float (default: the best it takes).") var format: String?
    @Option(help: "A folder of plans (repeatable).") var plans: [String] = []
    @Option(help: "Throttle an unpaced device (null, file) to N times real time.") var pace: Double?
    @Option(help: "Config file (TOML).") var config: String?
    @Option(help: "ALSA period size, frames.") var period: Int?
    @Option(help: "ALSA buffer size, frames.") var buffer: Int?
    @Option(help: "soxr's quality for tracks at another rate than the device's: quick, low, medium, high (the default) or \"very high\".")
    var resampler: String?

    func validate() throws {
        if let pace, !(pace.isFinite && pace > 0) { throw ValidationError("--pace must be a positive number of times real time") }
        if let period, !DaemonConfig.periodRange.contains(period) {
            throw ValidationError("--period must be \(DaemonConfig.periodRange.lowerBound) to \(DaemonConfig.periodRange.upperBound) frames")
        }
        if let buffer, !DaemonConfig.bufferRange.contains(buffer) {
            throw ValidationError("--buffer must be \(DaemonConfig.bufferRange.lowerBound) to \(DaemonConfig.bufferRange.upperBound) frames")
        }
        if let resampler, Resampler.Quality(name: resampler) == nil {
            throw ValidationError("--resampler \"\(resampler)\" is not a soxr quality; use one of \(Resampler.Quality.names)")
        }
    }

    func run() throws {
        if let room, let problem = DaemonConfig.roomNameProblem(room) {
            throw ValidationError("--room '\(room)': the room name \(problem)")
        }
        // Under systemd (stderr is the journal stream) log lines go to the
        // journal natively, with priority and fields; on a terminal, text.
        let room = self.room
        if JournalLogHandler.isJournalStream(environment: ProcessInfo.processInfo.environment) {
            LoggingSystem.bootstrap { _ in JournalLogHandler(room: room) }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
        }
        let logger = Logger(label: "inwardd")

        var settings = DaemonConfig.defaults(room: room)
        let configFiles = config.map { [$0] } ?? DaemonConfig.files(room: room)
        do {
            for file in configFiles { try settings.load(file: file) }
        } catch {
            logger.critical("\(error.description)")
            throw ExitCode(78)   // EX_CONFIG
        }
        logger.info("settings", metadata: ["room": "\(room ?? "-")", "config": "\(configFiles.joined(separator: ", "))"])
        if let socket { settings.socket = socket }
        if let stateDir { settings.stateDirectory = stateDir }
        if let device {
            settings.device = device
            settings.outputs = []   // --device plays to that one device (output "main")
        }
        if let format {
            guard let f = SampleFormat(rawValue: format) else { throw ValidationError("--format must be s16, s32 or float") }
            settings.format = f
        }
        if !plans.isEmpty { settings.plansDirectories = plans }
        if let pace { settings.pace = pace }
        if let period { settings.periodFrames = period }
        if let buffer { settings.bufferFrames = buffer }
        if let q = resampler.flatMap(Resampler.Quality.init(name:)) { settings.resampler = q }
        let period = settings.periodFrames ?? DaemonConfig.defaultPeriodFrames
        let buffer = settings.bufferFrames ?? max(DaemonConfig.defaultBufferFrames, 2 * period)
        guard settings.periodFrames == nil && settings.bufferFrames == nil || buffer >= 2 * period else {
            logger.critical("the ALSA buffer (\(buffer) frames) must hold at least two periods (\(2 * period)); raise --buffer or lower --period")
            throw ExitCode(78)
        }
        if settings.plansDirectories.isEmpty {
            logger.warning("no plan folders: give --plans DIR (or `plans` in the config); no plan can be started until then")
        }

        let daemon = try Daemon(settings: settings, logger: logger, room: room)
        try daemon.run()
    }
}
