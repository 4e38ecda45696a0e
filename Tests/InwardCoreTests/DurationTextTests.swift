import Testing
@testable import InwardCore

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("90s", 90.0), ("15m", 900), ("1h30m", 5400), ("1h 30m", 5400), ("2m30s", 150),
        ("1.5s", 1.5), ("0s", 0), ("1h", 3600), ("1h30m15s", 5415), ("  20s  ", 20),
        ("1.5h", 5400), ("0.25m", 15), ("1h 0m 5s", 3605), (".5s", 0.5), ("10m\t5s", 605),
    ])
    func parsesDurations(_ text: String, _ seconds: Double) {
        #expect(DurationText.parse(text) == seconds)
    }

    @Test(arguments: ["", " ", "abc", "5", "-3m", "1x", "m", "30m1h", "1m1m", "1 m", "1h30", "+5s",
                      "1..5s", "1.2.3s", "1ms", "s5", "5S", "1h-30m", "5s,", "nan s", "1e3s"])
    func rejectsNonDurations(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (5400.0, "1h30m"), (900, "15m"), (90, "1m30s"), (2.5, "2.5s"), (0, "0s"), (3600, "1h"),
        (3605, "1h5s"), (0.125, "0.125s"), (59.9999, "1m"), (0.0004, "0s"), (-90, "-1m30s"), (7322.5, "2h2m2.5s"),
    ])
    func formatsDurations(_ seconds: Double, _ text: String) {
        #expect(DurationText.format(seconds) == text)
    }

    @Test(arguments: [0.0, 1, 1.5, 59, 60, 61.25, 3599.999, 3600, 5415, 86400 * 2 + 0.001])
    func formatThenParseRoundTrips(_ seconds: Double) throws {
        let back = try #require(DurationText.parse(DurationText.format(seconds)))
        #expect(abs(back - seconds) < 1e-9)
    }
}
