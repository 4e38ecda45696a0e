import Testing
@testable import InwardCore

private func read(_ text: String, folder: String = "/music", exists: (String) -> Bool = { _ in true }) -> Playlist {
    PlaylistParser.parse(Array(text.utf8), file: "onset.m3u8", folder: folder, fileExists: exists)
}

@Suite struct PlaylistParserTests {
    @Test func readsExtendedM3U() {
        let p = read("""
        #EXTM3U
        #PLAYLIST:Onset
        #EXTINF:312,Hildur Gudnadottir - Bathroom Dance
        a/one.flac
        #EXTGRP:calm
        #EXTINF:-1,
        /srv/two.ogg

        three.mp3
        """)
        #expect(p.entries == [
            PlaylistEntry(path: "/music/a/one.flac", title: "Hildur Gudnadottir - Bathroom Dance", seconds: 312, line: 4),
            PlaylistEntry(path: "/srv/two.ogg", title: nil, seconds: nil, line: 7),
            PlaylistEntry(path: "/music/three.mp3", title: nil, seconds: nil, line: 9),
        ])
        #expect(p.diagnostics.isEmpty)
    }

    @Test func extinfAttachesOnlyToTheNextEntry() {
        let p = read("#EXTINF:10.5,First\nfirst.wav\nsecond.wav\n")
        #expect(p.entries.map(\.title) == ["First", nil])
        #expect(p.entries.map(\.seconds) == [10.5, nil])
    }

    @Test func extinfWithAttributesAndCommasInTheTitle() {
        let p = read("#EXTINF:200 tvg-id=\"x\",Bach, J.S. - Air\nair.flac\n#EXTINF:abc\nb.flac\n")
        #expect(p.entries[0].seconds == 200)
        #expect(p.entries[0].title == "Bach, J.S. - Air")
        #expect(p.entries[1].seconds == nil)
        #expect(p.entries[1].title == nil)
    }

    @Test func extinfIsCaseInsensitive() {
        let p = read("#extinf:42,Lower\nlow.wav\n")
        #expect(p.entries == [PlaylistEntry(path: "/music/low.wav", title: "Lower", seconds: 42, line: 2)])
    }

    @Test func plainM3UWithoutHeader() {
        let p = read("# a comment\none.wav\n  two.wav  \n")
        #expect(p.entries.map(\.path) == ["/music/one.wav", "/music/two.wav"])
        #expect(p.entries.map(\.line) == [2, 3])
    }

    @Test func skipsAUTF8ByteOrderMark() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("#EXTM3U\nsong.flac\n".utf8)
        let p = PlaylistParser.parse(bytes, file: "x.m3u8", folder: "/m", fileExists: { _ in true })
        #expect(p.entries == [PlaylistEntry(path: "/m/song.flac", line: 2)])
    }

    @Test(arguments: ["\r\n", "\r", "\n"])
    func handlesEveryLineEnding(_ end: String) {
        let p = read(["#EXTM3U", "#EXTINF:5,T", "a.wav", "", "b.wav"].joined(separator: end) + end)
        #expect(p.entries.map(\.path) == ["/music/a.wav", "/music/b.wav"])
        #expect(p.entries.map(\.line) == [3, 5])
        #expect(p.entries[0].title == "T")
    }

    @Test func decodesUTF8Names() {
        let p = read("#EXTINF:1,Arvo Pärt - Für Alina\nPärt/für alina.flac\n")
        #expect(p.entries.first?.path == "/music/Pärt/für alina.flac")
        #expect(p.entries.first?.title == "Arvo Pärt - Für Alina")
    }

    @Test func invalidUTF8IsReadAsLatin1() {
        // "Für.mp3" in Latin-1: ü is the single byte 0xFC.
        let bytes: [UInt8] = Array("#EXTINF:1,F".utf8) + [0xFC] + Array("r\nF".utf8) + [0xFC] + Array("r.mp3\n".utf8)
        let p = PlaylistParser.parse(bytes, file: "x.m3u", folder: "/m", fileExists: { _ in true })
        #expect(p.entries == [PlaylistEntry(path: "/m/Für.mp3", title: "Für", seconds: 1, line: 2)])
    }

    @Test func resolvesRelativePathsAgainstTheFolder() {
        let p = read("./a/../b/c.wav\n../up.wav\n", folder: "/srv/music/lists")
        #expect(p.entries.map(\.path) == ["/srv/music/lists/b/c.wav", "/srv/music/up.wav"])
    }

    @Test func fileURIsArePercentDecoded() {
        let p = read("file:///srv/My%20Music/caf%C3%A9.flac\nfile://localhost/srv/x%2By.wav\nFILE:///srv/a/../b.wav\n")
        #expect(p.entries.map(\.path) == ["/srv/My Music/café.flac", "/srv/x+y.wav", "/srv/b.wav"])
        #expect(p.diagnostics.isEmpty)
    }

    @Test func fileURIsWithAHostOrBadEncodingAreErrors() {
        let p = read("file://nas/share/a.wav\nfile:///bad%zz.wav\nok.wav\n")
        #expect(p.entries.map(\.path) == ["/music/ok.wav"])
        #expect(p.diagnostics.map(\.line) == [1, 2])
        #expect(p.diagnostics.allSatisfy { $0.severity == .error })
        #expect(p.diagnostics[0].message.contains("with a host name are not supported"))
        #expect(p.diagnostics[1].message.contains("invalid percent-encoding"))
    }

    @Test(arguments: ["http://radio.example/stream", "https://example.com/a.mp3", "rtsp://cam/x", "smb://nas/a.wav"])
    func streamsAreRejectedAndSkipped(_ url: String) throws {
        let p = read("#EXTINF:-1,Radio\n\(url)\nlocal.wav\n")
        #expect(p.entries.map(\.path) == ["/music/local.wav"])
        #expect(p.entries.first?.title == nil)
        let d = try #require(p.diagnostics.first)
        #expect(p.diagnostics.count == 1)
        #expect(d.severity == .error)
        #expect(d.line == 2)
        #expect(d.file == "onset.m3u8")
        #expect(d.message.contains("streams are not supported; Inward plays offline"))
    }

    @Test func windowsPathsAreNotConverted() {
        var asked: [String] = []
        let p = read("C:\\Music\\a.wav\n", exists: { asked.append($0); return false })
        #expect(asked == ["/music/C:\\Music\\a.wav"])
        #expect(p.entries.isEmpty)
        #expect(p.diagnostics.first?.line == 1)
    }

    @Test func missingFilesAreErrorsAndReadingGoesOn() {
        let p = read("#EXTM3U\ngone.flac\n#EXTINF:3,Here\nhere.flac\n", exists: { $0 != "/music/gone.flac" })
        #expect(p.entries == [PlaylistEntry(path: "/music/here.flac", title: "Here", seconds: 3, line: 4)])
        #expect(p.diagnostics == [
            Diagnostic(.error, file: "onset.m3u8", line: 2, message: "file not found: /music/gone.flac; entry skipped"),
        ])
    }

    @Test func emptyPlaylistWarns() {
        for text in ["", "#EXTM3U\n", "\n\n  \n", "#EXTINF:3,Orphan\n"] {
            let p = read(text)
            #expect(p.entries.isEmpty)
            #expect(p.diagnostics.map(\.severity) == [.warning])
            #expect(p.diagnostics.first?.message.contains("no playable entries") == true)
        }
    }

    @Test func playlistOfOnlyMissingFilesHasErrorsAndTheWarning() {
        let p = read("a.wav\nb.wav\n", exists: { _ in false })
        #expect(p.diagnostics.map(\.severity) == [.error, .error, .warning])
    }

    @Test func schemeDetection() {
        #expect(PlaylistParser.hasScheme("http://x"))
        #expect(PlaylistParser.hasScheme("svn+ssh://x"))
        #expect(!PlaylistParser.hasScheme("a b://x"))
        #expect(!PlaylistParser.hasScheme("1http://x"))
        #expect(!PlaylistParser.hasScheme("/srv/a://b"))
        #expect(!PlaylistParser.hasScheme("plain.wav"))
    }

    /// Found by fuzzing (Fuzz/Regressions/playlist): compared as Characters, "#" and a
    /// combining mark are one Character that is not "#", so the comment became an entry.
    @Test func linesAreClassifiedByTheirBytesNotByCharacters() {
        let p = read("#\u{332} a comment\n#EXTINF:60,\u{301}Title\nfile:///\u{301}a.wav\n#EXTıNF:5,Not a tag\nb.wav\n")
        #expect(p.entries.map(\.line) == [3, 5])
        #expect(p.entries.first?.title == "\u{301}Title")
        #expect(p.entries.first?.path == "/\u{301}a.wav")
        #expect(p.entries.last?.title == nil, "#EXTıNF is a comment: only ASCII letters fold")
        #expect(PlaylistParser.hasScheme("http://\u{301}x"))
    }
}
