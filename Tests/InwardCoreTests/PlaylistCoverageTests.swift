import InwardCore
import Testing

/// A playlist's playing length against its phase, as `check` words it.
@Suite("PlaylistCoverage")
struct PlaylistCoverageTests {
    func phase(_ length: PhaseLength, extend: Double = 0) -> Phase {
        Phase(name: "p", length: length, source: .playlist(path: "/p.m3u8"), maxExtend: extend)
    }

    @Test("tracks minus their crossfades, against the phase and its longest hold, in the issue's words")
    func words() {
        // 4 x 3:06 with 8 s crossfades = 12:24 - 24 s = 12:00.
        let short = PlaylistCoverage(trackSeconds: [186, 186, 186, 186], crossfade: 8, phase: phase(.fixed(900), extend: 600))
        #expect(short.playlistSeconds == 720 && short.verdict == .short)
        #expect(short.text == "playlist 12:00 for a phase of 15:00, up to 25:00 with holds: the soundscape fills the rest (4 tracks)")
        let holds = PlaylistCoverage(trackSeconds: [600, 600], crossfade: 8, phase: phase(.fixed(900), extend: 600))
        #expect(holds.verdict == .shortOfHolds && holds.text.contains("fills the rest of a long hold"))
        let covers = PlaylistCoverage(trackSeconds: [1600], crossfade: 8, phase: phase(.fixed(900), extend: 600))
        #expect(covers.verdict == .covers && covers.text.hasSuffix(": covered (1 track)"))
        // A crossfade is at most half the shorter track.
        #expect(PlaylistCoverage(trackSeconds: [10, 4], crossfade: 8, phase: phase(.fixed(60))).playlistSeconds == 12)
    }

    @Test("an unknown length or an until-dose phase is not a verdict; an empty playlist says the soundscape plays")
    func unknowns() {
        let unknown = PlaylistCoverage(trackSeconds: [60, nil], crossfade: 8, phase: phase(.fixed(900)))
        #expect(unknown.verdict == .unknown && unknown.text.contains("1 of 2 tracks cannot be read"))
        let untilDose = PlaylistCoverage(trackSeconds: [60], crossfade: 8, phase: phase(.untilDose))
        #expect(untilDose.verdict == .unknown && untilDose.text.contains("until the dose"))
        #expect(PlaylistCoverage(trackSeconds: [], crossfade: 8, phase: phase(.fixed(60))).text.contains("no playable entries"))
    }
}
