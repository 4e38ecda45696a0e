@testable import InwardTestSupport
import Foundation
import InwardAudio
import InwardCore

/// Renders a plan written inline as TOML through the real engine into a real
/// sink (a WAV file or an ALSA capture PCM), and reads back what was played.
struct SessionFixture {
    enum SinkKind: String, CaseIterable, Sendable, CustomStringConvertible {
        case wav, alsa
        var description: String { rawValue }
    }

    struct Result {
        var audio: DecodedAudio
        var frames: Int64
        var events: [EngineEvent]
        var plan: Plan
        var timeline: Timeline

        /// Left channel (the tests' signals are identical or uncorrelated per channel).
        var left: [Float] { audio.channels[0] }

        func events(_ kind: EngineEvent.Kind) -> [EngineEvent] { events.filter { $0.kind == kind } }
    }

    let directory: URL
    let rate = 48000

    init(_ label: String) {
        directory = TestAudio.temporaryDirectory(label)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes a playlist of `files` (names in the fixture directory).
    @discardableResult
    func playlist(_ name: String, _ files: [String]) throws -> String {
        let text = "#EXTM3U\n" + files.map { "\($0)\n" }.joined()
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    func load(_ toml: String) throws -> LoadedPlan {
        try toml.write(toFile: path("plan.toml"), atomically: true, encoding: .utf8)
        return try PlanLoader.load(path("plan.toml"))
    }

    /// Renders the plan with the dose at `doseAt` seconds into `sink`;
    /// `control` runs before each block with the mixer, for tests that steer.
    /// With a loudness target, every track is measured first unless
    /// `loudness` is given (then it is used as it is).
    func render(_ toml: String, doseAt: Double = 0, into kind: SinkKind = .wav,
                format: SampleFormat = .s32, loudness: TrackLoudness? = nil,
                control: (RenderPipeline) -> Void = { _ in }) throws -> Result {
        try render(try load(toml), doseAt: doseAt, into: kind, format: format, loudness: loudness, control: control)
    }

    /// Renders an already loaded plan (for tests that change files after loading).
    func render(_ loaded: LoadedPlan, doseAt: Double = 0, into kind: SinkKind = .wav,
                format: SampleFormat = .s32, loudness given: TrackLoudness? = nil,
                control: (RenderPipeline) -> Void = { _ in }) throws -> Result {
        let out: String
        let sink: any AudioSink
        switch kind {
        case .wav:
            out = path("render.wav")
            sink = try WavFileSink(path: out, sampleRate: rate, format: format)
        case .alsa:
            let capture = AlsaTestConfig.capture()
            out = capture.path
            sink = try AlsaSink(device: capture.device, sampleRate: rate, format: format)
        }
        let events = EngineEvents()
        var loudness = given
        if loaded.plan.loudnessTarget != nil && given == nil {
            let measured = TrackLoudness()
            for path in loaded.playlistPaths { measured.measure(path) }
            loudness = measured
        }
        let sources = PhaseSources(plan: loaded.plan, sampleRate: rate, playlists: loaded.playlists, loudness: loudness)
        let t0 = Timeline.frames(doseAt, sampleRate: rate)
        let mixer = SessionMixer(plan: loaded.plan, sources: sources, events: events, t0: t0)
        let pipeline = RenderPipeline(mixer: mixer, stage: OutputStage(plan: loaded.plan, sampleRate: rate))
        var log: [EngineEvent] = []
        var frames: Int64 = 0
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4096 * 2)
        defer { buffer.deallocate() }
        while true {
            control(pipeline)
            pipeline.prepare(frames: 1024)
            let n = pipeline.render(into: buffer, frames: 1024)
            if n > 0 { try sink.write(buffer, frames: n) }
            frames += Int64(n)
            log += events.drain()
            if n == 0 { break }
        }
        try sink.drain()
        sink.close()
        return Result(audio: try WavReader.read(out), frames: frames, events: log, plan: loaded.plan,
                      timeline: mixer.timeline)
    }
}
