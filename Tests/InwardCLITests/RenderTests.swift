import CSndfile
import Foundation
import Testing

/// A short plan: until-dose soundscape, then 5 s and 10 s phases.
let shortPlan = """
    name = "Short render"
    route = "other"
    level_cap_db = -6

    [defaults]
    fade_in = "1s"
    fade_out = "1s"

    [[phase]]
    name = "arrival"
    duration = "until dose"
    level_db = -20
    source = { kind = "soundscape", intensity = 0.3, seed = 5 }

    [[phase]]
    name = "onset"
    duration = "5s"
    level_db = -14
    source = { kind = "soundscape", intensity = 0.5, key = "A", scale = "minor", seed = 6 }

    [[phase]]
    name = "closing"
    duration = "10s"
    level_db = -18
    source = { kind = "silence" }

    """

/// Phase starts (seconds) and session length of `shortPlan` with the dose at 5 s.
let shortPlanStarts: [Double] = [0, 5, 10]
let shortPlanSeconds = 20.0

@Suite("inward render to a WAV file")
struct RenderFileTests {
    @Test("exact frame count, S16 by default, mode 0640", arguments: [48000, 44100])
    func frames(rate: Int) throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let out = tmp.file("x.wav")
        var args = ["render", plan, "--dose-at", "5s", "--out", out]
        if rate != 48000 { args += ["--rate", String(rate)] }
        let r = try CLI.run(args, home: tmp.url)
        #expect(r.status == 0, "\(r)")
        let info = try SoundFileInfo.read(out)
        #expect(info.sampleRate == rate)
        #expect(info.channels == 2)
        #expect(info.frames == Int64(shortPlanSeconds * Double(rate)), "frames \(info.frames)")
        #expect(info.major == Int32(SF_FORMAT_WAV))
        #expect(info.subtype == Int32(SF_FORMAT_PCM_16), "subtype \(String(info.subtype, radix: 16))")
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        #expect(mode == 0o640, "mode \(String(mode, radix: 8))")
        #expect(r.stdoutHas("rendered 0:20"), "\(r)")
        #expect(r.stdoutHas("\(Int(shortPlanSeconds) * rate) frames at \(rate) Hz"), "\(r)")
    }

    @Test("--format float and s32 write those WAV subtypes")
    func formats() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        for (format, subtype) in [("float", SF_FORMAT_FLOAT), ("s32", SF_FORMAT_PCM_32), ("s16", SF_FORMAT_PCM_16)] {
            let out = tmp.file("\(format).wav")
            let r = try CLI.run(["render", plan, "--dose-at", "5s", "--out", out, "--format", format], home: tmp.url)
            #expect(r.status == 0, "\(format): \(r)")
            let info = try SoundFileInfo.read(out)
            #expect(info.subtype == Int32(subtype), "\(format): subtype \(String(info.subtype, radix: 16))")
            #expect(info.frames == Int64(shortPlanSeconds * 48000), "\(format): frames \(info.frames)")
        }
    }

    @Test("--json: frames, seconds and a phase.start per phase at the right time")
    func json() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let out = tmp.file("x.wav")
        let r = try CLI.run(["--json", "render", plan, "--dose-at", "5s", "--out", out], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        let object = try #require(r.json as? [String: Any], "not JSON: \(r)")
        #expect((object["frames"] as? NSNumber)?.int64Value == 960_000)
        #expect(object.double("seconds") == shortPlanSeconds)
        #expect((object["sample_rate"] as? NSNumber)?.intValue == 48000)
        #expect(object.double("dose_at") == 5)
        #expect(object["output"] as? String == out)
        let events = try #require(object["events"] as? [[String: Any]], "no events list")
        let starts = events.filter { $0["event"] as? String == "phase.start" }
        #expect(starts.count == 3, "\(starts.count) phase.start events")
        for (i, expected) in shortPlanStarts.enumerated() {
            let e = starts.first { ($0["phase"] as? NSNumber)?.intValue == i }
            #expect(e?.double("t") == expected, "phase \(i) start at \(e?.double("t") ?? -1)")
            #expect(e?.double("t0_rel") == expected - 5, "phase \(i) T0-relative time")
            #expect((e?["frame"] as? NSNumber)?.int64Value == Int64(expected * 48000))
        }
        #expect(events.contains { $0["event"] as? String == "session.end" && $0.double("t") == shortPlanSeconds },
                "no session.end at \(shortPlanSeconds) s")
        // JSON output is only JSON: nothing else on stdout.
        let onlyJSON = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{")
        #expect(onlyJSON, "\(r)")
        let info = try SoundFileInfo.read(out)
        #expect(info.frames == 960_000)
    }

    @Test("a corrupt playlist file fails, the good one plays, the soundscape takes over")
    func corruptTrack() throws {
        let tmp = try TempDir()
        // Deterministic noise bytes that are no audio format.
        var state: UInt32 = 0x1234_5678
        let garbage: [UInt8] = (0..<65536).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        let corrupt = try tmp.write("x.flac", bytes: garbage)
        try SoundFileInfo.writeSine(tmp.file("good.wav"), seconds: 2)
        try tmp.write("list.m3u8", "#EXTM3U\nx.flac\ngood.wav\n")
        let plan = try tmp.write("plan.toml", shortPlan.replacingOccurrences(
            of: #"source = { kind = "silence" }"#, with: #"source = { kind = "playlist", path = "list.m3u8" }"#))
        let out = tmp.file("x.wav")
        let r = try CLI.run(["--json", "render", plan, "--dose-at", "5s", "--out", out], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        let object = try #require(r.json as? [String: Any], "not JSON: \(r)")
        let events = try #require(object["events"] as? [[String: Any]], "no events list")
        let kinds = events.map { $0["event"] as? String ?? "?" }
        let failed = events.filter { $0["event"] as? String == "track.failed" }
        #expect(failed.count == 1, "events: \(kinds)")
        #expect((failed.first?["path"] as? String).map { $0.hasSuffix("x.flac") } == true,
                "track.failed path \(failed.first?["path"] ?? "none") is not \(corrupt)")
        #expect((failed.first?["reason"] as? String)?.isEmpty == false)
        #expect((failed.first?["phase"] as? NSNumber)?.intValue == 2)
        #expect(events.contains { $0["event"] as? String == "track.start" && ($0["path"] as? String)?.hasSuffix("good.wav") == true },
                "events: \(kinds)")
        let takeover = events.first { $0["event"] as? String == "soundscape.takeover" }
        #expect(takeover != nil, "events: \(kinds)")
        #expect((takeover?["phase"] as? NSNumber)?.intValue == 2)
        #expect((object["frames"] as? NSNumber)?.int64Value == 960_000)
    }
}

extension RenderFileTests {
    @Test("plan warnings: on stderr in text mode, in the JSON with --json")
    func warnings() throws {
        let tmp = try TempDir()
        try SoundFileInfo.writeSine(tmp.file("good.wav"), seconds: 1)
        try tmp.write("list.m3u8", "#EXTM3U\ngood.wav\nmissing.flac\n")
        let plan = try tmp.write("plan.toml", shortPlan.replacingOccurrences(
            of: #"source = { kind = "silence" }"#, with: #"source = { kind = "playlist", path = "list.m3u8" }"#))
        let text = try CLI.run(["render", plan, "--dose-at", "5s", "--out", tmp.file("a.wav")], home: tmp.url)
        #expect(text.status == 0, "\(text)")
        #expect(text.stderrHas("list.m3u8:3: warning: "), "\(text)")

        let json = try CLI.run(["--json", "render", plan, "--dose-at", "5s", "--out", tmp.file("b.wav")], home: tmp.url)
        #expect(json.status == 0, "\(json)")
        let object = try #require(json.json as? [String: Any], "not JSON: \(json)")
        let warnings = try #require(object["warnings"] as? [[String: Any]], "no warnings list in the render JSON")
        #expect(warnings.count == 1)
        #expect((warnings.first?["file"] as? String)?.hasSuffix("list.m3u8") == true)
        #expect((warnings.first?["line"] as? NSNumber)?.intValue == 3)
        #expect((warnings.first?["message"] as? String)?.contains("missing.flac") == true)
    }
}

@Suite("inward render into ALSA")
struct RenderAlsaTests {
    func alsaEnvironment(_ tmp: TempDir, capture: String) throws -> [String: String] {
        let rc = try tmp.write("asoundrc", """
            pcm.cap {
                type file
                slave.pcm "null"
                file "\(capture)"
                format "wav"
            }

            """)
        return ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:\(rc)"]
    }

    @Test("--device with an ALSA file PCM: the capture has the expected frames")
    func capture() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let capture = tmp.file("cap.wav")
        let env = try alsaEnvironment(tmp, capture: capture)
        let r = try CLI.run(["render", plan, "--dose-at", "5s", "--device", "cap", "--format", "s16"],
                            home: tmp.url, environment: env)
        #expect(r.status == 0, "\(r)")
        let info = try SoundFileInfo.read(capture)
        #expect(info.sampleRate == 48000)
        #expect(info.channels == 2)
        #expect(info.subtype == Int32(SF_FORMAT_PCM_16))
        #expect(info.frames == 960_000, "captured \(info.frames) frames")
        #expect(r.stdoutHas("to cap"), "\(r)")
    }

    @Test("--json --device: output names the device, frames match")
    func captureJSON() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let capture = tmp.file("cap.wav")
        let env = try alsaEnvironment(tmp, capture: capture)
        let r = try CLI.run(["render", "--json", plan, "--dose-at", "5s", "--device", "cap", "--format", "s32", "--rate", "44100"],
                            home: tmp.url, environment: env)
        #expect(r.status == 0, "\(r)")
        let object = try #require(r.json as? [String: Any], "not JSON: \(r)")
        #expect(object["output"] as? String == "cap")
        #expect((object["frames"] as? NSNumber)?.int64Value == 882_000)
        let info = try SoundFileInfo.read(capture)
        #expect(info.sampleRate == 44100)
        #expect(info.subtype == Int32(SF_FORMAT_PCM_32))
        #expect(info.frames == 882_000, "captured \(info.frames) frames")
    }

    @Test("a nonexistent device: exit 1 naming it and suggesting `inward devices`")
    func noSuchDevice() throws {
        let tmp = try TempDir()
        let plan = try tmp.write("plan.toml", shortPlan)
        let r = try CLI.run(["render", plan, "--dose-at", "5s", "--device", "nosuch"], home: tmp.url)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderrHas("'nosuch'"), "\(r)")
        #expect(r.stderrHas("inward devices"), "\(r)")
    }
}
