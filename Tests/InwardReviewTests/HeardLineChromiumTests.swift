@testable import InwardTestSupport
import Foundation
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// The heard-loudness line of the HTML timeline as headless Chromium draws it:
/// the crossfade session with a minute of `audio.loudness` for each of its
/// first 30 minutes, against the same session without them.
@Suite("HTML heard line in Chromium")
struct HeardLineChromiumTests {
    static let heardColour = "#b45309"

    /// The crossfade session, its one loudness minute replaced by one a minute from 0 to 1800 s.
    static func withLoudness(_ on: Bool) -> ReviewTimeline {
        var events = CrossfadeSession.events.filter { $0.kind != "audio.loudness" }
        if on {
            for minute in 0..<30 {
                let lufs: [JSONValue] = (0..<6).map { .number(-26 + 6 * sin(Double(minute * 6 + $0) / 9)) }
                events.append(.init(at: Double(minute * 60 + 60), kind: "audio.loudness", phase: nil,
                                    fields: ["frame": .integer(Int64(minute * 60 * 48000)), "interval_seconds": 10, "lufs": .array(lufs)]))
            }
            // Stable: events at the same second keep their order.
            events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        }
        return ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events))))
    }

    /// Pixels of the heard line's colour in a 1400x1000 screenshot of the timeline's HTML.
    func heardPixels(_ timeline: ReviewTimeline, _ name: String) throws -> Int {
        let chromium = try #require(Run.which("chromium"),
                                    "chromium is not installed: install Debian's package (`apt-get install -y chromium`, or scripts/install-deps)")
        let python = try #require(Run.which("python3"), "python3 is needed to decode the screenshot")
        let dir = try Run.tempDir("chromium-heard-\(name)")
        let html = dir + "/review.html", png = dir + "/review.png"
        try timeline.report(.html).write(toFile: html, atomically: true, encoding: .utf8)
        let shot = try Run.process("/usr/bin/timeout", ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                                         "--hide-scrollbars", "--no-first-run", "--user-data-dir=\(dir)/profile",
                                                         "--screenshot=\(png)", "--window-size=1400,1000", "file://\(html)"],
                                   environment: ["HOME": dir])
        #expect(shot.status == 0, "chromium failed: \(shot.stderr.suffix(1500))")
        try #require(FileManager.default.fileExists(atPath: png), "no screenshot; chromium said: \(shot.stderr.suffix(1500))")
        let counted = try Run.process(python, ["-c", ChromiumTests.pngCounter, png, Self.heardColour])
        try #require(counted.status == 0, "decoding the PNG failed: \(counted.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(counted.stdout.utf8)) as? [String: Any])
        print("screenshot \(name): \(png) \(counted.stdout)")
        return try #require((result["counts"] as? [String: Int])?[Self.heardColour])
    }

    @Test("the heard-loudness line is drawn across the 30 measured minutes, and not without measurements")
    func heardLineIsDrawn() throws {
        let with = try heardPixels(Self.withLoudness(true), "with")
        let without = try heardPixels(Self.withLoudness(false), "without")
        // 30 of the session's 45 minutes: a dashed, anti-aliased 1.5 px line about 700 px long
        // (about 170 pixels of its exact colour here, where a session without it has none).
        #expect(with > 100, "heard line: \(with) pixels of \(Self.heardColour)")
        #expect(without < 20, "no measurements, yet \(without) pixels of \(Self.heardColour)")
    }
}
