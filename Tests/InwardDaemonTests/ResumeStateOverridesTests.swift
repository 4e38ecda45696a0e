import Foundation
import InwardCore
@testable import InwardDaemon
import InwardProtocol
import Testing

/// `state.json` format 3: the client's own playlists and the soundscape as
/// changed live; older files, without them, still read.
@Suite("Resume state file: the client's playlists and the live soundscape")
struct ResumeStateOverridesTests {
    func saved() -> ResumeState {
        ResumeState(sessionID: "s", planFile: "/plans/r.toml", planSHA256: "h", client: "C-1",
                    sampleRate: 48_000, pace: 1, anchorFrame: 48_000, anchorWall: 1000)
    }

    @Test("round-trips the playlists and the live soundscape (calm's or a phase's)")
    func roundTrip() throws {
        var s = saved()
        s.playlists = [PlaylistOverride(phase: 2, phaseName: "peak", file: "/srv/inward/music/C-1/peak.m3u8", sha256: "ab12")]
        s.soundscape = LiveSoundscape(phase: LiveSoundscape.calmVoice, intensity: 0.2, brightness: 0.35)
        s.calmLevelDB = -24
        let text = JSONValue.object(s.json).jsonString
        #expect(text.contains("\"playlists\":[{") && text.contains("\"soundscape\":{") && text.contains("\"version\":3"), "\(text)")
        #expect(try ResumeState(json: try #require(JSONValue.parse(text).objectValue)) == s)
        s.soundscape = LiveSoundscape(phase: 1, intensity: 0.8, brightness: 0.5)
        #expect(try ResumeState(json: s.json) == s)
    }

    @Test("a version 2 file (no playlists, no live soundscape) reads as none; a broken item names the key")
    func older() throws {
        var o = saved().json
        o["version"] = .integer(2)
        o["playlists"] = nil
        o["soundscape"] = nil
        let s = try ResumeState(json: o)
        #expect(s.playlists.isEmpty && s.soundscape == nil && s.version == 2)
        o["playlists"] = .array([.object(["phase": .integer(1)])])
        #expect { try ResumeState(json: o) } throws: { "\($0)".contains("\"playlists\" needs phase, file and sha256") }
    }
}
