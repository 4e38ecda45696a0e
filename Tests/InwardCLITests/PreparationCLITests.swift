@testable import InwardTestSupport
import Foundation
import Testing

/// Preparing a client's session offline: `check` says how much of each phase
/// a playlist fills (the plan's or the client's own), `render --phase`
/// auditions one phase, and a mistyped command or phase name says which was meant.
@Suite("inward: preparing a client's session")
struct PreparationCLITests {
    static let plan = PlanFixture(name: "prep", phases: [
        .init("arrival", "until dose", fadeIn: "1s", source: .playlist("empty.m3u8")),
        .init("onset", "90s", fadeIn: "2s", fadeOut: "2s", crossfade: "4s", maxExtend: "60s", source: .playlist("onset.m3u8")),
        .init("peak", "2m", level: -10, fadeIn: "3s", fadeOut: "3s", source: .soundscape(intensity: 0.6, seed: 7)),
    ])

    func write(_ dir: TempDir) throws -> String {
        try Self.plan.toml.write(to: dir.url.appendingPathComponent("prep.toml"), atomically: true, encoding: .utf8)
        try "#EXTM3U\n".write(to: dir.url.appendingPathComponent("empty.m3u8"), atomically: true, encoding: .utf8)
        try TonePlaylist("onset", [.init("o1", frequency: 330, seconds: 30), .init("o2", frequency: 440, seconds: 30)]).write(to: dir.url)
        let client = dir.url.appendingPathComponent("C-0042")
        try FileManager.default.createDirectory(at: client, withIntermediateDirectories: true)
        try TonePlaylist("peak", [.init("p1", frequency: 550, seconds: 200)]).write(to: client)
        return dir.url.appendingPathComponent("prep.toml").path
    }

    @Test("check: each playlist's length against its phase and its longest hold; an empty one says so; --playlist checks a client's")
    func coverage() throws {
        let dir = try TempDir()
        let plan = try write(dir)
        let r = try CLI.run(["check", plan], home: dir.url)
        #expect(r.status == 0, "\(r)")
        // 30 s + 30 s with one 4 s crossfade = 56 s, against 90 s (150 s with holds).
        #expect(r.stdoutHas("onset    playlist 0:56 for a phase of 1:30, up to 2:30 with holds: the soundscape fills the rest (2 tracks)"), "\(r)")
        #expect(r.stdoutHas("arrival  the playlist has no playable entries: the soundscape plays the whole phase"), "\(r)")
        #expect(r.stderrHas("the playlist has no playable entries"), "\(r)")

        let client = dir.url.appendingPathComponent("C-0042/peak.m3u8").path
        let own = try CLI.run(["check", plan, "--playlist", "peak=\(client)"], home: dir.url)
        #expect(own.status == 0 && own.stdoutHas("peak     playlist 3:20 for a phase of 2:00: covered (1 track)"), "\(own)")
        let json = try CLI.run(["--json", "check", plan, "--playlist", "peak=\(client)"], home: dir.url)
        let lists = ((json.json as? [String: Any])?["playlists"] as? [[String: Any]]) ?? []
        #expect(lists.map { $0["verdict"] as? String } == ["unknown", "short", "covers"], "\(json)")

        let typo = try CLI.run(["check", plan, "--playlist", "paek=\(client)"], home: dir.url)
        #expect(typo.status == 2 && typo.stderrHas("no phase 'paek'; did you mean 'peak'?"), "\(typo)")
    }

    @Test("render --phase auditions one phase for --length, with its fades; a mistyped phase is named")
    func renderOnePhase() throws {
        let dir = try TempDir()
        let plan = try write(dir)
        let out = dir.url.appendingPathComponent("peak.wav").path
        let r = try CLI.run(["render", plan, "--phase", "peak", "--length", "12s", "--out", out], home: dir.url)
        #expect(r.status == 0, "\(r)")
        let x = try WavReader.read(out).channels[0]
        #expect(x.count == 12 * 48000, "\(x.count) frames")
        // The phase's own sound in the middle (-10 dB soundscape), and its fade in from silence.
        let middle = AudioAnalysis.rmsDB(x[(5 * 48000)..<(7 * 48000)])
        let first = AudioAnalysis.rmsDB(x[0..<480])
        #expect(middle > -40 && first < middle - 20, "middle \(middle) dB, first 10 ms \(first) dB")
        #expect(AudioAnalysis.maxStep(x) < 0.05)
        // The client's playlist in that phase: a 550 Hz tone.
        let own = dir.url.appendingPathComponent("own.wav").path
        let client = dir.url.appendingPathComponent("C-0042/peak.m3u8").path
        let o = try CLI.run(["render", plan, "--phase", "peak", "--length", "8s", "--playlist", "peak=\(client)", "--out", own], home: dir.url)
        #expect(o.status == 0 && o.stdoutHas("track.start peak p1.wav"), "\(o)")

        let typo = try CLI.run(["render", plan, "--phase", "peek", "--out", out], home: dir.url)
        #expect(typo.status == 2 && typo.stderrHas("no phase 'peek'; did you mean 'peak'?"), "\(typo)")
        let alone = try CLI.run(["render", plan, "--length", "1m", "--out", out], home: dir.url)
        #expect(alone.status == 2 && alone.stderrHas("--length goes with --phase"), "\(alone)")
    }

    @Test("a mistyped command says which was meant and exits 2", arguments: [
        ("strat", "start"), ("stauts", "status"), ("chekc", "check"), ("reveiw", "review"),
    ])
    func mistypedCommand(_ typed: String, _ meant: String) throws {
        let dir = try TempDir()
        let r = try CLI.run([typed, "x"], home: dir.url)
        #expect(r.status == 2 && r.stderrHas("unknown command '\(typed)'; did you mean '\(meant)'?"), "\(r)")
        let global = try CLI.run(["--json", typed], home: dir.url)
        #expect(global.status == 2 && global.stderrHas("did you mean '\(meant)'?"), "\(global)")
    }
}
