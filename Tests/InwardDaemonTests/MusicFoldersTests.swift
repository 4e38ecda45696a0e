import Foundation
@testable import InwardDaemon
import Testing

/// Where a client's own playlists may come from: the `music` setting refuses
/// home directories, and a file is inside the folders only once its symbolic
/// links are resolved.
@Suite("MusicFolders: the client's playlists stay where the daemon can read them")
struct MusicFoldersTests {
    func folder(_ label: String) throws -> String {
        var template = Array("/tmp/inward-\(label)-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        return String(cString: dir)
    }

    @Test("music = a path or a list; a home directory or a relative path is refused, saying why")
    func setting() throws {
        let root = try folder("etc")
        let file = root + "/inwardd.toml"
        var config = DaemonConfig.defaults(environment: [:])
        try "music = \"/srv/inward/music\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        try config.load(file: file)
        #expect(config.musicDirectories == ["/srv/inward/music"])
        try "music = [\"/srv/a\", \"/srv/b\"]\n".write(toFile: file, atomically: true, encoding: .utf8)
        try config.load(file: file)
        #expect(config.musicDirectories == ["/srv/a", "/srv/b"])
        for (value, words) in [("\"/home/therapist/music\"", "ProtectHome"), ("[\"/root/m\"]", "/root"), ("\"music\"", "absolute")] {
            try "music = \(value)\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect {
                try config.load(file: file)
            } throws: { error in
                "\(error)".contains("\(file):1: music:") && "\(error)".contains(words)
            }
        }
    }

    @Test("a file inside a folder passes; a link out of it, or a file elsewhere, is refused with where to put it")
    func inside() throws {
        let music = try folder("music"), plans = try folder("plans"), elsewhere = try folder("elsewhere")
        FileManager.default.createFile(atPath: music + "/a.m3u8", contents: Data("#EXTM3U\n".utf8))
        FileManager.default.createFile(atPath: elsewhere + "/b.wav", contents: Data())
        try FileManager.default.createSymbolicLink(atPath: music + "/b.wav", withDestinationPath: elsewhere + "/b.wav")
        let folders = MusicFolders(plans: [plans], music: [music])
        #expect(folders.problem(with: music + "/a.m3u8", what: "the playlist") == nil)
        let link = try #require(folders.problem(with: music + "/b.wav", what: "track b.wav"))
        #expect(link.contains("outside the daemon's plan and music folders") && link.contains("music folder (\(music))"), "\(link)")
        let missing = try #require(folders.problem(with: music + "/none.m3u8", what: "the playlist"))
        #expect(missing.contains("cannot be read"), "\(missing)")
        let none = MusicFolders(plans: [plans], music: []).whereToPut
        #expect(none.contains("music = [\\\"/srv/inward/music\\\"]") || none.contains("music = [\"/srv/inward/music\"]"), "\(none)")
        #expect(folders.find("a.m3u8") == music + "/a.m3u8")
    }
}
