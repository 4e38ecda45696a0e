import Testing
@testable import InwardCore

@Suite struct PathResolverTests {
    @Test(arguments: [
        ("music/a.m3u8", "/plans", "/plans/music/a.m3u8"),
        ("./music/a.m3u8", "/plans", "/plans/music/a.m3u8"),
        ("music/../other/a.m3u8", "/plans", "/plans/other/a.m3u8"),
        ("../a.m3u8", "/srv/plans", "/srv/a.m3u8"),
        ("/abs/a.m3u8", "/plans", "/abs/a.m3u8"),
        ("/abs/./x/../a.m3u8", "/plans", "/abs/a.m3u8"),
        ("a.m3u8", "plans", "plans/a.m3u8"),
        ("a.m3u8", "./plans/", "plans/a.m3u8"),
        ("../a.m3u8", "plans", "a.m3u8"),
        ("../../a.m3u8", "plans", "../a.m3u8"),
        ("a.m3u8", "", "a.m3u8"),
        ("/../a", "/x", "/a"),
        ("music\\a.flac", "/p", "/p/music\\a.flac"),
        ("a//b", "/p//q/", "/p/q/a/b"),
    ])
    func resolves(_ path: String, _ folder: String, _ expected: String) {
        #expect(PathResolver.resolve(path, in: folder) == expected)
    }

    @Test func normalisesToDotWhenNothingIsLeft() {
        #expect(PathResolver.normalize("a/..") == ".")
        #expect(PathResolver.normalize("/") == "/")
    }
}

@Suite struct NearestKeyTests {
    @Test func suggestsCloseKeys() {
        let keys = ["fade_in", "fade_out", "crossfade", "level_db"]
        #expect(NearestKey.nearest(to: "fadein", in: keys) == "fade_in")
        #expect(NearestKey.nearest(to: "fade_inn", in: keys) == "fade_in")
        #expect(NearestKey.nearest(to: "levle_db", in: keys) == "level_db")
        #expect(NearestKey.nearest(to: "Crossfade", in: keys) == "crossfade")
    }

    @Test func suggestsNothingForUnrelatedWords() {
        #expect(NearestKey.nearest(to: "colour", in: ["fade_in", "level_db"]) == nil)
        #expect(NearestKey.nearest(to: "x", in: []) == nil)
    }

    @Test func computesEditDistance() {
        #expect(NearestKey.distance("kitten", "sitting") == 3)
        #expect(NearestKey.distance("", "abc") == 3)
        #expect(NearestKey.distance("same", "same") == 0)
    }
}
