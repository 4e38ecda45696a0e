import Foundation
import Testing

/// `inward check` on a plan whose calm harbour is a playlist: a missing or
/// empty one is an error at the plan's line; one with no playable file is a
/// warning (calm then plays a soundscape).
@Suite("inward check on a playlist calm")
struct CheckCalmPlaylistTests {
    /// The base plan with a `[calm]` on lines 5 to 7 (its source on line 7).
    static func plan(calm playlist: String) -> String {
        let lines = Array(basePlanLines[0..<4]) + ["[calm]", "level_db = -24", #"source = { kind = "playlist", path = "\#(playlist)" }"#]
            + Array(basePlanLines[4...])
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a calm playlist with a file: exit 0, no warning")
    func valid() throws {
        let tmp = try TempDir()
        _ = try tmp.write("a.wav", "")   // only its existence is checked
        _ = try tmp.write("calm.m3u8", "#EXTM3U\na.wav\n")
        let r = try CLI.run(["check", try tmp.write("plan.toml", Self.plan(calm: "calm.m3u8"))], home: tmp.url)
        #expect(r.status == 0 && r.stderrIsEmpty, "\(r)")
    }

    @Test("missing, empty: exit 1 with the plan's file and line; no playable file: a warning")
    func problems() throws {
        let tmp = try TempDir()
        let missing = try CLI.run(["check", try tmp.write("plan.toml", Self.plan(calm: "nosuch.m3u8"))], home: tmp.url)
        #expect(missing.status == 1 && missing.stderrHas("plan.toml:7: error: calm.source.path: playlist file not found"), "\(missing)")

        _ = try tmp.write("empty.m3u8", "#EXTM3U\n")
        let empty = try CLI.run(["check", try tmp.write("plan.toml", Self.plan(calm: "empty.m3u8"))], home: tmp.url)
        #expect(empty.status == 1, "\(empty)")
        #expect(empty.stderrHas("plan.toml:7: error: calm.source.path: the calm playlist") && empty.stderrHas("lists no audio files"),
                "\(empty)")

        _ = try tmp.write("gone.m3u8", "#EXTM3U\ngone.flac\n")
        let gone = try CLI.run(["check", try tmp.write("plan.toml", Self.plan(calm: "gone.m3u8"))], home: tmp.url)
        #expect(gone.status == 0, "\(gone)")
        #expect(gone.stderrHas("gone.m3u8:2: warning: file not found") && gone.stderrHas("plan.toml:7: warning: calm.source.path:")
                && gone.stderrHas("calm will play a soundscape"), "\(gone)")
    }
}
