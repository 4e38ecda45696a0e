public import ArgumentParser
import Foundation
public import InwardAudio
import InwardCore
import InwardPOSIX
import InwardProtocol

extension SampleFormat: ExpressibleByArgument {}

extension Resampler.Quality: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}

/// `inward render PLAN --out FILE.wav`: the whole session, offline, as fast as
/// the CPU allows, so a therapist can hear a plan before the client arrives.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a whole session offline to a WAV file (or an ALSA device).",
        discussion: """
            The pre-dose phase lasts until --dose-at, then every phase follows on the \
            plan's timing. --phase NAME auditions one phase alone, with its fades, for --length \
            (default: the phase's own length, 2m for a phase that lasts until the dose). \
            --playlist PHASE=FILE.m3u8 plays a client's own playlist there, as `inward start --playlist` \
            would. Exits 1 if the plan is invalid or the output cannot be written.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The plan file (TOML).", completion: .file(extensions: ["toml"]))
    var plan: String

    @Option(name: .long, help: "WAV file to write.", completion: .file(extensions: ["wav"]))
    var out: String?

    @Option(name: .long, help: "ALSA PCM to play into instead of a file (e.g. default, null).")
    var device: String?

    @Option(name: .long, help: "When the dose is given, from the session start (e.g. 10m). Default: when the pre-dose phases end, plus 5 minutes.")
    var doseAt: String?

    @Option(name: .long, help: "Output sample rate in Hz.")
    var rate = 48000

    @Option(name: .long, help: "Sample format: s16, s32 or float (float only for files).")
    var format: SampleFormat = .s16

    @Option(name: .long, help: "ALSA period size in frames (with --device).")
    var period = 1024

    @Option(name: .long, help: "ALSA buffer size in frames (with --device).")
    var buffer = 4096

    @Option(name: .long, help: "Resampling quality (soxr), as a room's `resampler`.")
    var quality: Resampler.Quality = .roomDefault

    @Option(name: .long, help: ArgumentHelp("Audition one phase alone (its source, level and fades).", valueName: "name"))
    var phase: String?

    @Option(name: .long, help: ArgumentHelp("With --phase: how long, e.g. 2m (default: the phase's length; 2m for until the dose).",
                                            valueName: "duration"))
    var length: String?

    @Option(name: .customLong("playlist"), parsing: .singleValue,
            help: ArgumentHelp("A client's own playlist for one phase: PHASE=FILE.m3u8 (repeatable).", valueName: "phase=file"),
            completion: .file(extensions: ["m3u8", "m3u"]))
    var playlists: [String] = []

    func validate() throws {
        if (out == nil) == (device == nil) { throw ValidationError("give exactly one of --out FILE.wav or --device PCM") }
        if !(8000...192_000).contains(rate) { throw ValidationError("--rate \(rate) is outside 8000...192000 Hz") }
        if !(16...65536).contains(period) { throw ValidationError("--period \(period) is outside 16...65536 frames") }
        if buffer < 2 * period { throw ValidationError("--buffer \(buffer) must hold at least two periods (\(2 * period) frames)") }
        if length != nil && phase == nil { throw ValidationError("--length goes with --phase NAME (one phase alone)") }
        if let length, (DurationText.parse(length) ?? 0) <= 0 {
            throw ValidationError("--length '\(length)' is not a duration; write e.g. 90s, 2m or 1h5m")
        }
    }

    /// `loaded` reduced to phase `name` alone, lasting `length` (or its own
    /// length), faded in and out as planned within that time.
    static func audition(_ loaded: LoadedPlan, phase name: String, length text: String?) throws -> LoadedPlan {
        guard let index = loaded.phaseIndex(named: name) else {
            let names = loaded.plan.phases.map(\.name)
            let near = NearestKey.nearest(to: name, in: names).map { "did you mean '\($0)'? " } ?? ""
            throw ValidationError("--phase: the plan has no phase '\(name)'; \(near)its phases are \(names.joined(separator: ", "))")
        }
        var phase = loaded.plan.phases[index]
        let seconds: Double
        if let text, let given = DurationText.parse(text) {
            seconds = given
        } else if case .fixed(let own) = phase.length {
            seconds = own
        } else {
            seconds = 120
        }
        phase.length = .fixed(seconds)
        phase.maxExtend = 0
        phase.fadeIn = min(phase.fadeIn, seconds / 2)
        phase.fadeOut = min(phase.fadeOut, seconds / 2)
        var one = loaded
        one.plan.phases = [phase]
        one.playlists = loaded.playlists[index].map { [0: $0] } ?? [:]
        return one
    }

    func run() throws {
        var loaded: LoadedPlan
        do {
            loaded = try PlanLoader.load(plan)
        } catch {
            for d in error.diagnostics { Terminal.errLine(d.description) }
            Terminal.errLine("\(plan): the plan cannot be played; `inward check \(plan)` shows it whole")
            throw ExitCode(1)
        }
        try ClientPlaylist.apply(playlists, to: &loaded)
        if let phase { loaded = try Self.audition(loaded, phase: phase, length: length) }
        if !global.json { for w in loaded.warnings { Terminal.errLine(w.description) } }

        // Before the output is opened: a bad --dose-at must not leave a file behind.
        let doseSeconds = try DoseTime.resolve(doseAt, plan: loaded.plan)

        let sink: any AudioSink
        do {
            if let out {
                sink = try WavFileSink(path: out, sampleRate: rate, format: format)
            } else {
                sink = try AlsaSink(device: device!, sampleRate: rate, format: format,
                                    periodFrames: period, bufferFrames: buffer)
            }
        } catch {
            Terminal.errLine("inward: \(error)")
            throw ExitCode(1)
        }
        defer { sink.close() }

        let outRate = sink.sampleRate
        let t0 = Timeline.frames(doseSeconds, sampleRate: outRate)
        let events = EngineEvents()
        // With a loudness target every track is measured first (a render reads them all anyway).
        var loudness: TrackLoudness?
        if loaded.plan.loudnessTarget != nil {
            let measured = TrackLoudness()
            let paths = loaded.playlistPaths
            var bar = ProgressBar(label: "measuring loudness", enabled: Terminal.stderrIsTTY && !global.json)
            for (i, path) in paths.enumerated() {
                measured.measure(path)
                bar.update(done: Int64(i + 1), total: Int64(paths.count), detail: "\(i + 1) of \(paths.count) tracks")
            }
            bar.finish()
            loudness = measured
        }
        let sources = PhaseSources(plan: loaded.plan, sampleRate: outRate, playlists: loaded.playlists, quality: quality,
                                   loudness: loudness)
        let mixer = SessionMixer(plan: loaded.plan, sources: sources, events: events, t0: t0)
        let pipeline = RenderPipeline(mixer: mixer, stage: OutputStage(plan: loaded.plan, sampleRate: outRate))

        var bar = ProgressBar(label: "rendering", enabled: Terminal.stderrIsTTY && !global.json)
        var log: [EngineEvent] = []
        let started = MonotonicClock.seconds
        let frames: Int64
        do {
            frames = try OfflineRenderer().run(pipeline, into: sink, progress: { done, total in
                let t = SessionClock.counter(Double(done) / Double(outRate))
                bar.update(done: done, total: total ?? 0, detail: t)
            }, events: { posted in
                log += posted
            })
        } catch {
            bar.finish()
            Terminal.errLine("inward: \(error)")
            throw ExitCode(1)
        }
        bar.finish()
        let wall = MonotonicClock.seconds - started
        let seconds = Double(frames) / Double(outRate)

        if global.json {
            let report: JSONObject = [
                "output": .string(out ?? device!), "frames": .integer(frames), "sample_rate": .integer(Int64(outRate)),
                "seconds": .number(seconds), "dose_at": .number(Double(t0) / Double(outRate)), "render_seconds": .number(wall),
                "warnings": .array(loaded.warnings.map(diagnosticJSON)),
                "events": .array(log.map { EventText.json($0, rate: outRate, t0: t0) }),
            ]
            Output.json(.object(report))
            return
        }
        for e in log {
            print(EventText.line(e, plan: loaded.plan, rate: outRate, t0: t0))
        }
        let speed = wall > 0 ? seconds / wall : 0
        print("rendered \(SessionClock.counter(seconds)) (\(frames) frames at \(outRate) Hz) to \(out ?? device!) in \(String(format: "%.1f", wall)) s, \(String(format: "%.0f", speed))x real time")
    }
}

/// One engine event as a line or a JSON object, on the session and T+ clocks.
enum EventText {
    static func line(_ e: EngineEvent, plan: Plan, rate: Int, t0: Int64) -> String {
        let at = SessionClock.counter(Double(e.frame) / Double(rate))
        let tp = PlanReport.tplus(e.frame, t0: t0, rate: rate)
        let phase = e.phase >= 0 && e.phase < plan.phases.count ? plan.phases[e.phase].name : "-"
        var s = "\(at) \(tp) \(e.kind.rawValue) \(phase)"
        if let path = e.path { s += " \(URL(fileURLWithPath: path).lastPathComponent)" }
        if let title = e.title { s += " \"\(title)\"" }
        if let artist = e.artist { s += " by \(artist)" }
        if let reason = e.reason { s += ": \(reason)" }
        return s
    }

    static func json(_ e: EngineEvent, rate: Int, t0: Int64) -> JSONValue {
        var o: JSONObject = [
            "event": .string(e.kind.rawValue), "frame": .integer(e.frame), "t": .number(Double(e.frame) / Double(rate)),
            "t0_rel": .number(Double(e.frame - t0) / Double(rate)), "phase": .integer(Int64(e.phase)),
        ]
        if let v = e.entry { o["entry"] = .integer(Int64(v)) }
        if let v = e.path { o["path"] = .string(v) }
        if let v = e.title { o["title"] = .string(v) }
        if let v = e.artist { o["artist"] = .string(v) }
        if let v = e.reason { o["reason"] = .string(v) }
        return .object(o)
    }
}
