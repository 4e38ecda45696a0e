import InwardAudio
import InwardCore
import Testing

/// Plans are not parsed again for the same input (TOMLKit keeps memory of
/// every parse), yet a change of text or of the playlists' existence is seen.
@Suite("plan parse cache")
struct PlanParseCacheTests {
    static let plan = """
    name = "cached"
    route = "other"

    [[phase]]
    name = "music"
    duration = "10m"
    level_db = -12
    source = { kind = "playlist", path = "p.m3u8" }
    """

    static func problems(_ parse: () throws(PlanInvalid) -> ParsedPlan) -> String {
        do { return try parse().warnings.map(\.description).joined(separator: "; ") } catch { return "error: \(error)" }
    }

    @Test("same text, file and playlists: parsed once; a playlist that appears or an edit: parsed again, same answer as the parser")
    func parsesOnce() {
        let cache = PlanParseCache(capacity: 4)
        var exists = false
        let file = "/plans/cached.toml"
        func cached(_ text: String = Self.plan) -> String {
            Self.problems { () throws(PlanInvalid) in try cache.parse(text, file: file, folder: "/plans") { _ in exists } }
        }
        func direct(_ text: String = Self.plan) -> String {
            Self.problems { () throws(PlanInvalid) in try PlanParser.parse(text, file: file, folder: "/plans") { _ in exists } }
        }
        let missing = cached()
        #expect(missing == direct() && !missing.isEmpty, "a missing playlist is reported: \(missing)")
        #expect(cached() == missing)
        #expect(cache.parses == 1)

        exists = true
        let found = cached()
        #expect(found == direct() && found != missing, "\(found)")
        #expect(cache.parses == 2)
        #expect(cached() == found && cache.parses == 2)

        #expect(cached(Self.plan + "\n# edited\n") == direct(Self.plan + "\n# edited\n"))
        #expect(cache.parses == 3)
        for i in 0..<6 { _ = cached(Self.plan + "\n# \(i)\n") }
        #expect(cache.count == 4)
    }
}
