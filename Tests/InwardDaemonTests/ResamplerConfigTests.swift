import Foundation
import InwardAudio
@testable import InwardDaemon
@testable import InwardTestSupport
import Testing

/// `resampler` in the room's config and `inwardd --resampler`: soxr's
/// quality by MPD's names, high unless set; a wrong value names the file,
/// line, key and every allowed value.
@Suite("Resampler quality in the config")
struct ResamplerConfigTests {
    func write(_ text: String) throws -> String {
        var template = Array("/tmp/inward-soxr-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        let path = String(cString: dir) + "/inwardd.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ text: String) throws -> DaemonConfig {
        var settings = DaemonConfig.defaults(environment: [:])
        try settings.load(file: try write(text))
        return settings
    }

    @Test("high unless set; every soxr name MPD takes, \"very high\" with its space")
    func names() throws {
        #expect(DaemonConfig.defaults(environment: [:]).resampler == .high)
        let expected: [(String, Resampler.Quality)] = [("quick", .quick), ("low", .low), ("medium", .medium),
                                                      ("high", .high), ("very high", .veryHigh)]
        for (name, quality) in expected {
            #expect(try load("device = \"null\"\nresampler = \"\(name)\"\n").resampler == quality, "\(name)")
            #expect(quality.name == name)
        }
        #expect(Resampler.Quality.allCases.count == expected.count)
    }

    @Test("a later file's resampler wins, as for every key")
    func layers() throws {
        var settings = DaemonConfig.defaults(environment: [:])
        try settings.load(file: try write("resampler = \"quick\"\n"))
        try settings.load(file: try write("device = \"null\"\n"))
        #expect(settings.resampler == .quick)
        try settings.load(file: try write("resampler = \"very high\"\n"))
        #expect(settings.resampler == .veryHigh)
    }

    @Test("a wrong value names the file, line, key, the value and every allowed value", arguments: [
        ("\"best\"", "\"best\""), ("\"High\"", "\"High\""), ("\"very-high\"", "\"very-high\""), ("3", "3"), ("true", "true"),
    ])
    func wrongValue(_ value: String, _ shown: String) throws {
        let path = try write("device = \"null\"\n\n# soxr\nresampler = \(value)\n")
        var settings = DaemonConfig.defaults(environment: [:])
        do {
            try settings.load(file: path)
            Issue.record("resampler = \(value) was accepted")
        } catch {
            let text = error.description
            #expect(text.hasPrefix("\(path):4: resampler: \(shown) is not a soxr quality"), "\(text)")
            #expect(text.hasSuffix("use one of \"quick\", \"low\", \"medium\", \"high\", \"very high\""), "\(text)")
        }
    }

    @Test("inwardd refuses a wrong --resampler (usage, 64) or config value (EX_CONFIG, 78) before it listens, naming the allowed values")
    func daemonRefuses() throws {
        let allowed = "use one of \"quick\", \"low\", \"medium\", \"high\", \"very high\""
        let option = try ProcessRun.product("inwardd", ["--resampler", "best", "--socket", "/nonexistent/control"], timeout: 30)
        #expect(option.status == 64, "\(option)")
        #expect(option.stderr.contains("--resampler \"best\" is not a soxr quality; \(allowed)"), "\(option)")
        let path = try write("resampler = \"hgih\"\n")
        let file = try ProcessRun.product("inwardd", ["--config", path, "--socket", "/nonexistent/control"], timeout: 30)
        #expect(file.status == 78, "\(file)")
        #expect(file.stderr.contains("\(path):1: resampler: \"hgih\" is not a soxr quality; \(allowed)"), "\(file)")
    }
}
