@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 4's end-to-end proof: a whole session, paced, driven over the
/// protocol through the real daemon; then the real `inward` reviews its log in
/// all four formats, verifies its chain, lists it, and catches a flipped byte
/// and a torn copy. No assertion depends on how fast anything runs: each
/// mark's expected T+ time is read back from its own event.
@Suite("review end to end", .serialized)
struct ReviewEndToEndTests {
    static let rate = 48000
    static let client = "C-0107"

    static let plan = PlanFixture(name: "e2e", phases: [
        .init("arrival", "until dose", level: -14, fadeIn: "1s", fadeOut: "2s", source: .soundscape(intensity: 0.3, seed: 5)),
        .init("onset", "60s", level: -9, fadeIn: "2s", fadeOut: "3s", maxExtend: "30s", source: .playlist("onset.m3u8")),
        .init("peak", "60s", level: -5, fadeIn: "2s", fadeOut: "2s", source: .soundscape(intensity: 0.5, seed: 6)),
        .init("closing", "60s", level: -20, fadeIn: "1s", source: .silence),
    ]).toml

    /// A mark the review must show: how to find its event, and what its summary must say.
    struct Expected: CustomStringConvertible {
        var kind: String
        /// The seq from the Mark reply (dose and booster: found by kind).
        var seq: Int64?
        /// Reached on the status clock before the call, so the event is at least this late.
        var notBefore: Double
        /// Pieces of the review's one-line summary.
        var fragments: [String]
        var description: String { "\(kind) \(fragments.first ?? "")" }
    }

    // MARK: Helpers

    func call(_ c: VarlinkTestClient, _ method: SessionMethod, _ parameters: JSONObject = [:]) throws -> VarlinkReply {
        let reply = try c.call(method, parameters)
        #expect(reply.error == nil, "\(method.name) failed: \(reply.error ?? "") \(reply.object)")
        return reply
    }

    typealias Run = ProcessRun

    /// Runs the built `inward` with its own HOME and no INWARD_STATE_DIR, and waits for it.
    func inward(_ arguments: [String], home: URL) throws -> Run {
        try ProcessRun.product("inward", arguments, environment: ["HOME": home.path, "INWARD_STATE_DIR": nil])
    }

    /// The review's T+ clock, written independently of `SessionClock`:
    /// whole seconds rounded down, `T+hh:mm:ss` or `T-hh:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let whole = Int((seconds + 1e-6).rounded(.down))
        let a = abs(whole)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return (whole < 0 ? "T-" : "T+") + two(a / 3600) + ":" + two((a / 60) % 60) + ":" + two(a % 60)
    }

    /// RFC 4180 records.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field: [UInt8] = []
        var quoted = false, i = 0
        let b = Array(text.utf8)
        func endField() { row.append(String(decoding: field, as: UTF8.self)); field = [] }
        while i < b.count {
            let c = b[i]
            if quoted {
                if c == 0x22 {
                    if i + 1 < b.count && b[i + 1] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == 0x22 { quoted = true }
            else if c == 0x2C { endField() }
            else if c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A { endField(); rows.append(row); row = []; i += 1 }
            else { field.append(c) }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }

    static func lines(of bytes: [UInt8]) -> [[UInt8]] { bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init) }

    // MARK: The test

    @Test("a paced session over the protocol: review (text, HTML, CSV, JSON) shows every dose and mark at its T+ time; verify, sessions; a flipped byte and a tear are caught")
    func endToEnd() throws {
        let daemon = try DaemonHarness(plans: ["e2e.toml": Self.plan], pace: 20) { dir in
            try TonePlaylist("onset", [.init("onset", frequency: 330, seconds: 200, amplitude: 0.4, title: "Slow Tide", artist: "Test Ensemble")],
                             sampleRate: Self.rate).write(to: dir)
        }
        let c = try daemon.client()
        let monitor = try DaemonSessionTests.Monitor(socket: daemon.socket)
        var expected: [Expected] = []

        let started = try call(c, .start, ["plan": "e2e", "client": .string(Self.client)])
        let id = try #require(started.object["session_id"]?.stringValue)

        try c.waitForClock(2, sinceDose: false)
        let note = try call(c, .mark, ["kind": "note", "text": "settling in, eyeshades on"])
        expected.append(Expected(kind: "mark.note", seq: note.object["seq"]?.int64Value, notBefore: -.infinity,
                                 fragments: ["Note: settling in"]))

        try c.waitForClock(5, sinceDose: false)
        let dose = try call(c, .dose, ["route": "im", "amount": "60 mg", "lot": "L-2611"])
        #expect(dose.object["t0"]?.boolValue == true)
        expected.append(Expected(kind: "dose", seq: nil, notBefore: 0, fragments: ["DOSE (T0)", "im", "60 mg", "lot L-2611"]))

        var at = try c.waitForClock(12, sinceDose: true)
        let vitals = try call(c, .mark, ["kind": "vitals", "fields": ["systolic": 150, "diastolic": 95, "heart_rate": 88, "spo2": 97]])
        expected.append(Expected(kind: "mark.vitals", seq: vitals.object["seq"]?.int64Value, notBefore: at,
                                 fragments: ["Vitals", "BP 150/95", "HR 88", "SpO2 97%"]))

        try c.waitForClock(15, sinceDose: true)
        let hold = try call(c, .hold, ["seconds": 30.0])
        #expect(hold.object["held_seconds"]?.doubleValue == 30)

        try c.waitForClock(20, sinceDose: true)
        _ = try call(c, .pause)
        try c.waitForClock(26, sinceDose: true)
        _ = try call(c, .resume)

        at = try c.waitForClock(33, sinceDose: true)
        let statement = try call(c, .mark, ["kind": "statement", "text": "I feel like I am floating above the sea"])
        expected.append(Expected(kind: "mark.statement", seq: statement.object["seq"]?.int64Value, notBefore: at,
                                 fragments: ["Client: “I feel like I am floating above the sea”"]))

        try c.waitForClock(40, sinceDose: true)
        let volume = try call(c, .setVolume, ["db": -3.0])
        #expect(volume.object["volume_db"]?.doubleValue == -3)

        at = try c.waitForClock(47, sinceDose: true)
        let adverse = try call(c, .mark, ["kind": "adverse_event",
                                           "fields": ["kind": "nausea", "severity": "mild", "response": "ondansetron 4 mg"]])
        expected.append(Expected(kind: "mark.adverse_event", seq: adverse.object["seq"]?.int64Value, notBefore: at,
                                 fragments: ["ADVERSE EVENT", "nausea", "severity mild", "response: ondansetron 4 mg"]))

        at = try c.waitForClock(62, sinceDose: true)
        let booster = try call(c, .dose, ["route": "im", "amount": "20 mg", "lot": "L-2612", "booster": true])
        #expect(booster.object["booster"]?.boolValue == true)
        expected.append(Expected(kind: "booster", seq: nil, notBefore: at, fragments: ["BOOSTER", "20 mg", "lot L-2612"]))

        try c.waitForClock(70, sinceDose: true)
        _ = try call(c, .silence)
        try c.waitForClock(76, sinceDose: true)
        _ = try call(c, .resume)

        try c.waitForClock(92, sinceDose: true)   // peak since T+90 (60 s + the 30 s hold)
        #expect(try c.sessionStatus()["phase"]?["name"]?.stringValue == "peak")
        _ = try call(c, .next)
        try c.waitForClock(97, sinceDose: true)
        _ = try call(c, .stop)

        // Dosed: the music ends into aftercare; discharge closes the record.
        let deadline = Date().addingTimeInterval(TestTime.scaled(30))
        while Date() < deadline, try c.sessionStatus()["state"]?.stringValue != "aftercare" { usleep(10_000) }
        _ = try call(c, .discharge, ["note": "home with a friend"])
        #expect(try c.sessionStatus()["state"]?.stringValue == "idle")
        let (code, daemonLog) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(daemonLog.suffix(2000))")

        // The log, line by line.
        let logPath = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: logPath)))
        #expect(bytes.last == 10)
        let rawLines = Self.lines(of: bytes).dropLast()   // after the final newline
        let events = try rawLines.map { try #require(try JSONValue.parse($0).objectValue) }
        let kinds = events.compactMap { $0["kind"]?.stringValue }
        #expect(kinds.first == "session.start" && kinds.last == "session.end", "\(kinds)")
        for kind in ["control.pause", "control.resume", "control.hold", "control.volume", "control.silence", "control.next",
                     "control.stop", "track.start"] {
            #expect(kinds.contains(kind), "no \(kind) in the log: \(kinds)")
        }

        // Phase starts carry the plan's level and fades (and the planned length of fixed phases).
        let phaseStarts = events.filter { $0["kind"]?.stringValue == "phase.start" }
        #expect(phaseStarts.compactMap { $0["phase"]?.stringValue } == ["arrival", "onset", "peak", "closing"])
        let planned: [String: (level: Double, fadeIn: Double, fadeOut: Double, length: Double?)] = [
            "arrival": (-14, 1, 2, nil), "onset": (-9, 2, 3, 60), "peak": (-5, 2, 2, 60), "closing": (-20, 1, 10, 60),
        ]
        for e in phaseStarts {
            let name = e["phase"]?.stringValue ?? "?"
            guard let p = planned[name] else { continue }
            let f = e["fields"]?.objectValue ?? [:]
            #expect(f["level_db"]?.doubleValue == p.level, "\(name) level_db: \(f)")
            #expect(f["fade_in_seconds"]?.doubleValue == p.fadeIn, "\(name) fade_in_seconds: \(f)")
            #expect(f["fade_out_seconds"]?.doubleValue == p.fadeOut, "\(name) fade_out_seconds: \(f)")
            #expect(f["planned_seconds"]?.doubleValue == p.length, "\(name) planned_seconds: \(f)")
        }

        // Each expected mark: its line, its T+ time from the line, agreeing with the Monitor stream.
        var t0Session: Double?
        for e in events {
            if let t = e["t0_seconds"]?.doubleValue, let s = e["session_seconds"]?.doubleValue { t0Session = s - t; break }
        }
        let t0 = try #require(t0Session, "no line carries a T0-relative time")
        let streamed = monitor.events.withLock { $0 }
        struct Found { var expected: Expected; var seq: Int64; var line: Int; var t0Seconds: Double; var clock: String }
        var found: [Found] = []
        for x in expected {
            let index = x.seq.map { seq in events.firstIndex { $0["seq"]?.int64Value == seq } }
                ?? events.firstIndex { $0["kind"]?.stringValue == x.kind }
            guard let index else { Issue.record("\(x) not in the log"); continue }
            let e = events[index]
            #expect(e["kind"]?.stringValue == x.kind, "line \(index + 1) is \(e["kind"]?.stringValue ?? "?"), expected \(x.kind)")
            let seq = try #require(e["seq"]?.int64Value)
            let s = try #require(e["session_seconds"]?.doubleValue)
            let rel = e["t0_seconds"]?.doubleValue ?? (s - t0)
            #expect(rel >= x.notBefore - 1e-9, "\(x) at T\(rel), before the clock reached \(x.notBefore)")
            if x.kind == "dose" { #expect(Self.clock(rel) == "T+00:00:00") }
            if x.kind == "mark.note" { #expect(rel < 0, "the note came before the dose: \(rel)") }
            let echo = streamed.first { $0["seq"]?.int64Value == seq }
            #expect(echo != nil, "\(x) (seq \(seq)) not streamed to the monitor")
            if let echo {
                #expect(echo["kind"]?.stringValue == x.kind)
                let a = echo["t0_seconds"]?.doubleValue, b = e["t0_seconds"]?.doubleValue
                #expect((a == nil && b == nil) || (a != nil && b != nil && abs(a! - b!) < 1e-9), "monitor \(String(describing: a)), log \(String(describing: b))")
            }
            found.append(Found(expected: x, seq: seq, line: index + 1, t0Seconds: rel, clock: Self.clock(rel)))
        }
        #expect(found.count == expected.count)

        let home = daemon.directory

        // Text: one timeline line per mark, on its clock.
        let text = try inward(["review", logPath, "--format", "text"], home: home)
        #expect(text.status == 0, "\(text)")
        let textLines = text.stdout.split(separator: "\n").map(String.init)
        for f in found {
            #expect(textLines.contains { $0.hasPrefix("  \(f.clock) ") && f.expected.fragments.allSatisfy($0.contains) },
                    "text: no line '\(f.clock) … \(f.expected.fragments)'\n\(text)")
        }
        #expect(text.stdout.contains(Self.client))
        #expect(!text.stdout.contains("Warnings (reading the log)"))

        // HTML: a row of the marks table and an SVG marker (its tooltip) for each.
        let html = try inward(["review", logPath, "--format", "html"], home: home)
        #expect(html.status == 0, "\(html)")
        let marksTable: String = {
            guard let a = html.stdout.range(of: "<table class=\"marks\">"),
                  let b = html.stdout.range(of: "</table>", range: a.upperBound..<html.stdout.endIndex) else { return "" }
            return String(html.stdout[a.upperBound..<b.lowerBound])
        }()
        let svg: String = {
            guard let a = html.stdout.range(of: "<svg"), let b = html.stdout.range(of: "</svg>") else { return "" }
            return String(html.stdout[a.lowerBound..<b.upperBound])
        }()
        #expect(!marksTable.isEmpty && !svg.isEmpty, "no marks table or no SVG in the HTML")
        let rows = marksTable.components(separatedBy: "<tr").dropFirst()
        let tips = svg.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
        for f in found {
            #expect(rows.contains { $0.contains("<td class=\"clock\">\(f.clock)</td>") && f.expected.fragments.allSatisfy($0.contains) },
                    "HTML marks table: no row for \(f.expected) at \(f.clock)")
            #expect(tips.contains { $0.hasPrefix(f.clock + " ") && f.expected.fragments.allSatisfy($0.contains) },
                    "HTML timeline: no marker for \(f.expected) at \(f.clock)")
        }

        // CSV: the event's row (by seq) has its clock and T0-relative seconds.
        let csv = try inward(["review", logPath, "--format", "csv"], home: home)
        #expect(csv.status == 0, "\(csv)")
        let records = Self.csvRows(csv.stdout)
        let header = records.first ?? []
        #expect(Array(header.prefix(10)) == ["line", "seq", "time", "clock", "session_seconds", "t0_seconds", "kind", "phase", "summary", "fields"])
        #expect(records.count == events.count + 1, "CSV has \(records.count - 1) rows for \(events.count) events")
        for f in found {
            guard let row = records.dropFirst().first(where: { $0.count == header.count && $0[1] == "\(f.seq)" }) else {
                Issue.record("CSV: no row with seq \(f.seq) (\(f.expected))")
                continue
            }
            #expect(row[0] == "\(f.line)" && row[6] == f.expected.kind)
            #expect(row[3] == f.clock, "CSV clock \(row[3]), expected \(f.clock) for \(f.expected)")
            #expect(abs((Double(row[5]) ?? .nan) - f.t0Seconds) < 0.006, "CSV t0_seconds \(row[5]), expected \(f.t0Seconds)")
            #expect(f.expected.fragments.allSatisfy(row[8].contains), "CSV summary: \(row[8])")
        }

        // JSON: the event (by seq) with its clock; the session's mark count; the level envelope in real dB.
        let json = try inward(["review", logPath, "--format", "json"], home: home)
        #expect(json.status == 0, "\(json)")
        let root = try #require(try JSONValue.parse(json.stdout).objectValue, "review --format json is not an object")
        let jsonEvents = root["events"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(jsonEvents.count == events.count)
        for f in found {
            guard let e = jsonEvents.first(where: { $0["seq"]?.int64Value == f.seq }) else {
                Issue.record("JSON: no event with seq \(f.seq) (\(f.expected))")
                continue
            }
            #expect(e["kind"]?.stringValue == f.expected.kind)
            #expect(e["clock"]?.stringValue == f.clock, "JSON clock \(e["clock"]?.stringValue ?? "nil"), expected \(f.clock)")
            #expect(abs((e["t0_seconds"]?.doubleValue ?? .nan) - f.t0Seconds) < 1e-6)
            #expect(f.expected.fragments.allSatisfy((e["summary"]?.stringValue ?? "").contains), "JSON summary: \(e["summary"] ?? .null)")
        }
        let session = root["session"]?.objectValue ?? [:]
        #expect(session["client"]?.stringValue == Self.client)
        #expect(session["marks"]?.int64Value == 4)   // note, vitals, statement, adverse event
        #expect(root["warnings"]?.arrayValue?.isEmpty == true)
        // The envelope reaches each phase's own level (volume -3 dB from T+40 on: onset -12, peak -8).
        let levels = (root["envelope_db"]?.arrayValue ?? []).compactMap { $0.arrayValue?.last?.doubleValue }
        for level in [-14.0, -9, -12, -8] {
            #expect(levels.contains { abs($0 - level) < 1e-6 }, "the level envelope never reaches \(level) dB: \(levels)")
        }
        #expect(levels.first == -48, "the envelope starts from silence: \(levels.prefix(3))")

        // verify: OK, every line.
        let verified = try inward(["verify", logPath], home: home)
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdout.hasPrefix("OK: \(events.count) lines"), "\(verified)")

        // sessions: the session, its client code and its number of marks.
        let listed = try inward(["sessions", "--state-dir", daemon.state.path], home: home)
        #expect(listed.status == 0, "\(listed)")
        let table = listed.stdout.split(separator: "\n").map(String.init)
        if let head = table.first, let clientAt = head.range(of: "CLIENT"), let marksAt = head.range(of: "MARKS"),
           let row = table.first(where: { $0.contains(id) }) {
            func column(_ r: Range<String.Index>) -> String {
                let offset = head.distance(from: head.startIndex, to: r.lowerBound)
                return String(row.dropFirst(offset).prefix { $0 != " " })
            }
            #expect(column(clientAt) == Self.client, "sessions:\n\(listed.stdout)")
            #expect(column(marksAt) == "4", "sessions:\n\(listed.stdout)")
        } else {
            Issue.record("sessions does not list \(id):\n\(listed)")
        }
        let listedJSON = try inward(["sessions", "--json", "--state-dir", daemon.state.path], home: home)
        let entry = (try? JSONValue.parse(listedJSON.stdout))?.arrayValue?.compactMap(\.objectValue)
            .first { $0["session_id"]?.stringValue == id }
        #expect(entry?["client"]?.stringValue == Self.client && entry?["marks"]?.int64Value == 4, "\(listedJSON)")

        // One byte flipped in the middle of the log (a copy): verify fails at that line.
        let middle = rawLines.count / 2   // 0-based index of the middle line
        var offset = rawLines.prefix(middle).reduce(0) { $0 + $1.count + 1 }
        let line = rawLines[rawLines.startIndex + middle]
        var at0 = line.count / 2
        while at0 < line.count && !(line[at0] >= 0x30 && line[at0] <= 0x39 || line[at0] >= 0x61 && line[at0] <= 0x7A) { at0 += 1 }
        try #require(at0 < line.count, "no letter or digit in the second half of line \(middle + 1)")
        offset += at0
        var tampered = bytes
        tampered[offset] ^= 0x01
        let tamperedPath = daemon.directory.appendingPathComponent("tampered.jsonl").path
        try Data(tampered).write(to: URL(fileURLWithPath: tamperedPath))
        let broken = try inward(["verify", tamperedPath], home: home)
        #expect(broken.status == 1, "\(broken)")
        #expect(broken.stdout.hasPrefix("FAILED: \(tamperedPath): line \(middle + 1): "), "the flipped byte is on line \(middle + 1)\n\(broken)")

        // A copy cut in the middle of a line: review keeps every complete event and reports the tear.
        let tornLine = middle + 1   // 1-based
        let cut = rawLines.prefix(middle).reduce(0) { $0 + $1.count + 1 } + line.count / 2
        let tornPath = daemon.directory.appendingPathComponent("torn.jsonl").path
        try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: tornPath))
        let tornJSON = try inward(["review", tornPath, "--format", "json"], home: home)
        #expect(tornJSON.status == 0, "\(tornJSON)")
        let tornRoot = (try? JSONValue.parse(tornJSON.stdout))?.objectValue ?? [:]
        let kept = (tornRoot["events"]?.arrayValue ?? []).compactMap { $0["seq"]?.int64Value }
        // (The review orders events by session time, so compare as a set.)
        #expect(kept.sorted() == Array(1...Int64(middle)), "review of the torn copy kept \(kept.count) events, expected seq 1–\(middle)")
        let warnings = (tornRoot["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(warnings.contains { $0.hasPrefix("line \(tornLine): torn last line") }, "warnings: \(warnings)")
        #expect(tornJSON.stderr.contains("line \(tornLine): torn last line"), "\(tornJSON)")
        let tornText = try inward(["review", tornPath], home: home)
        #expect(tornText.status == 0, "\(tornText)")
        #expect(tornText.stdout.contains("Warnings (reading the log)") && tornText.stdout.contains("line \(tornLine): torn last line"),
                "\(tornText)")
        let tornTextLines = tornText.stdout.split(separator: "\n").map(String.init)
        for f in found where f.line < tornLine {
            #expect(tornTextLines.contains { $0.hasPrefix("  \(f.clock) ") && f.expected.fragments.allSatisfy($0.contains) },
                    "torn copy: \(f.expected) at \(f.clock) missing from the text")
        }
        #expect(found.contains { $0.line < tornLine }, "the cut is before every mark: it proves nothing")
        let tornVerify = try inward(["verify", tornPath], home: home)
        #expect(tornVerify.status == 0 && tornVerify.stdout.hasPrefix("OK: \(middle) lines"), "\(tornVerify)")
        #expect(tornVerify.stderr.contains("line \(tornLine)"), "\(tornVerify)")
    }

    // MARK: Crossfades (issue 8)

    static let crossfadePlan = """
        name = "xfade"
        route = "im"
        [[phase]]
        name = "arrival"
        duration = "until dose"
        level_db = -14
        fade_in = "1s"
        fade_out = "1s"
        source = { kind = "soundscape", intensity = 0.3, seed = 5 }
        [[phase]]
        name = "onset"
        duration = "90s"
        level_db = -9
        fade_in = "1s"
        fade_out = "2s"
        crossfade = "4s"
        source = { kind = "playlist", path = "onset.m3u8" }
        [[phase]]
        name = "closing"
        duration = "10s"
        level_db = -20
        source = { kind = "silence" }
        """

    /// The files of the onset playlist: (file, seconds, title the review must show).
    /// The first is tagged, the second named by its #EXTINF line, the fourth by its file name.
    static let tracks: [(file: String, seconds: Double, title: String)] = [
        ("a.wav", 20, "First Light"), ("b.wav", 25, "Second Tide"), ("c.wav", 15, "c.wav"),
    ]

    @Test("three tracks crossfading, a failed file and a soundscape takeover: back-to-back spans of the files' lengths in every format; a statement in track 2 names it at its position")
    func crossfadesAndMoments() throws {
        let daemon = try DaemonHarness(plans: ["xfade.toml": Self.crossfadePlan], pace: 20) { dir in
            _ = try TestAudio.sine(to: dir.appendingPathComponent("a.wav").path, format: .wav16, frequency: 330, amplitude: 0.3,
                                   sampleRate: Self.rate, seconds: 20, title: "First Light", artist: "Test Ensemble")
            _ = try TestAudio.sine(to: dir.appendingPathComponent("b.wav").path, format: .wav16, frequency: 440, amplitude: 0.3,
                                   sampleRate: Self.rate, seconds: 25)
            _ = try TestAudio.sine(to: dir.appendingPathComponent("c.wav").path, format: .wav16, frequency: 550, amplitude: 0.3,
                                   sampleRate: Self.rate, seconds: 15)
            try Data("this is not audio".utf8).write(to: dir.appendingPathComponent("broken.wav"))
            try "#EXTM3U\na.wav\n#EXTINF:25,Second Tide\nb.wav\nbroken.wav\nc.wav\n"
                .write(to: dir.appendingPathComponent("onset.m3u8"), atomically: true, encoding: .utf8)
        }
        let c = try daemon.client()
        let id = try #require(try call(c, .start, ["plan": "xfade", "client": "X-0002"]).object["session_id"]?.stringValue)
        try c.waitForClock(1, sinceDose: false)
        _ = try call(c, .dose, ["route": "im", "amount": "50 mg"])
        // Inside track 2 (it plays from T+16 to T+41): well clear of both crossfades.
        try c.waitForClock(27, sinceDose: true)
        let statement = try call(c, .mark, ["kind": "statement", "text": "a long wave"])
        let statementSeq = try #require(statement.object["seq"]?.int64Value)
        // The plan plays to its end (onset 90 s, closing 10 s); a record kept open for aftercare is closed.
        let deadline = Date().addingTimeInterval(TestTime.scaled(60))
        var state = ""
        while Date() < deadline {
            state = try c.sessionStatus()["state"]?.stringValue ?? ""
            if state == "idle" { break }
            if state == "aftercare" { _ = try? c.call(.discharge, [:]) }
            usleep(10_000)
        }
        #expect(state == "idle", "the session did not end: \(state)")
        let (code, daemonLog) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(daemonLog.suffix(2000))")

        // What the log says, read here without the review's code.
        let logPath = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: logPath)))
        let events = try Self.lines(of: bytes).dropLast().map { try #require(try JSONValue.parse($0).objectValue) }
        func seconds(_ e: JSONObject) -> Double { e["session_seconds"]?.doubleValue ?? .nan }
        let starts = events.filter { $0["kind"]?.stringValue == "track.start" }
        let ends = events.filter { $0["kind"]?.stringValue == "track.end" }
        #expect(starts.count == 3 && ends.count == 3, "\(events.compactMap { $0["kind"]?.stringValue })")
        #expect(starts.compactMap { $0["fields"]?["title"]?.stringValue } == ["First Light", "Second Tide"],
                "track.start titles: the tag, then the #EXTINF title; the untitled file has none")
        #expect(events.contains { $0["kind"]?.stringValue == "track.failed" && $0["fields"]?["file"]?.stringValue?.hasSuffix("broken.wav") == true })
        let takeover = try #require(events.first { $0["kind"]?.stringValue == "soundscape.takeover" })
        let onsetEnd = try #require(events.first { $0["kind"]?.stringValue == "phase.end" && $0["phase"]?.stringValue == "onset" })
        let said = try #require(events.first { $0["seq"]?.int64Value == statementSeq })
        let secondStart = seconds(starts[1])
        let position = seconds(said) - secondStart
        #expect(position > 4 && position < 25 - 4, "the statement is inside track 2, clear of its crossfades: \(position) s into it")
        // T0 from a line's own T0-relative time (the dose's line is written a moment after T0 itself).
        let anchored = try #require(events.first { $0["t0_seconds"]?.doubleValue != nil })
        let t0 = seconds(anchored) - (anchored["t0_seconds"]?.doubleValue ?? 0)
        // The spans the review must give: each file from its start to its end, the takeover to onset's end plus its 2 s fade.
        var expected: [(title: String, start: Double, length: Double)] = zip(starts, Self.tracks).map { (seconds($0), $1) }
            .map { ($1.title, $0, $1.seconds) }
        expected.append(("soundscape", seconds(takeover), seconds(onsetEnd) + 2 - seconds(takeover)))
        for (a, b) in zip(expected, expected.dropFirst()) {
            #expect(b.start < a.start + a.length && a.start + a.length - b.start < 4.01,
                    "\(a.title) and \(b.title) overlap by the crossfade: \(a.start + a.length - b.start) s")
        }
        let home = daemon.directory
        func clock(_ s: Double) -> String { Self.clock(s - t0) }
        func mss(_ s: Double) -> String { let w = Int(s.rounded(.down)); return "\(w / 60):" + (w % 60 < 10 ? "0" : "") + "\(w % 60)" }
        /// Seconds of an `m:ss` position, to compare at ±1 s.
        func parsed(_ text: String) -> Double? {
            let p = text.split(separator: ":").compactMap { Double($0) }
            return p.count == 2 ? p[0] * 60 + p[1] : nil
        }

        // JSON: the spans and the statement's moment.
        let json = try JSONValue.parse(try inward(["review", logPath, "--format", "json"], home: home).stdout)
        let spans = (json["tracks"]?.arrayValue ?? []).filter { $0["origin"]?.stringValue != "phase" }
        #expect(spans.count == expected.count, "\(spans)")
        for (span, want) in zip(spans, expected) {
            #expect(span["title"]?.stringValue == want.title, "span \(span)")
            #expect(abs((span["start_seconds"]?.doubleValue ?? .nan) - want.start) < 0.002, "\(want.title) start \(span)")
            #expect(abs((span["length_seconds"]?.doubleValue ?? .nan) - want.length) < 0.01, "\(want.title) length \(span), expected \(want.length)")
        }
        #expect(json["failed_tracks"]?.arrayValue?.first?["file"]?.stringValue == "broken.wav")
        let moment = try #require(json["events"]?.arrayValue?.first { $0["seq"]?.int64Value == statementSeq }?["moment"]?.objectValue)
        #expect(moment["title"]?.stringValue == "Second Tide" && moment["phase"]?.stringValue == "onset")
        #expect(abs((moment["position_seconds"]?.doubleValue ?? .nan) - position) <= 1, "JSON position \(moment), expected \(position)")
        #expect(moment["heard_lufs"]?.doubleValue != nil, "the daemon measured what was heard then: \(moment)")

        // Text: the Music lines with their lengths, and the statement's "heard" line.
        let text = try inward(["review", logPath], home: home).stdout
        for want in expected where want.title != "soundscape" {
            let length = SessionClockText.length(want.length)
            #expect(text.contains("  \(clock(want.start))  \(length.padding(toLength: 7, withPad: " ", startingAt: 0))  \(want.title)"),
                    "text: no Music line for \(want.title) (\(length)) at \(clock(want.start))\n\(text)")
        }
        let heard = try #require(text.split(separator: "\n").map(String.init).first { $0.contains("heard: Second Tide at ") }, "\(text)")
        let shown = heard.components(separatedBy: "heard: Second Tide at ")[1].prefix { $0 != " " }
        #expect(abs((parsed(String(shown)) ?? .nan) - position) <= 1, "text position \(shown), expected \(mss(position))")

        // CSV (moments): the statement's row names track 2 at its position.
        let csv = Self.csvRows(try inward(["review", logPath, "--report", "moments", "--format", "csv"], home: home).stdout)
        let col = Dictionary(uniqueKeysWithValues: (csv.first ?? []).enumerated().map { ($1, $0) })
        let row = try #require(csv.first { $0.count == col.count && $0[col["seq"]!] == "\(statementSeq)" })
        #expect(row[col["title"]!] == "Second Tide" && row[col["phase"]!] == "onset" && Double(row[col["heard_lufs"]!]) != nil)
        #expect(abs((parsed(row[col["position"]!]) ?? .nan) - position) <= 1, "CSV position \(row[col["position"]!]), expected \(mss(position))")
        // CSV (full): each span's length on the event that opened it.
        let full = Self.csvRows(try inward(["review", logPath, "--format", "csv"], home: home).stdout)
        let fcol = Dictionary(uniqueKeysWithValues: (full.first ?? []).enumerated().map { ($1, $0) })
        let lengths = full.dropFirst().filter { $0.count == fcol.count && ["track.start", "soundscape.takeover"].contains($0[fcol["kind"]!]) }
            .compactMap { Double($0[fcol["span_seconds"]!]) }
        #expect(lengths.count == expected.count && zip(lengths, expected).allSatisfy { abs($0 - $1.length) < 0.01 }, "CSV span lengths \(lengths)")

        // HTML: a block per span with its length, and the marks row naming track 2.
        let html = try inward(["review", logPath, "--format", "html"], home: home).stdout
        let blocks = html.components(separatedBy: "<g class=\"span\">").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
        for want in expected {
            #expect(blocks.contains { $0.contains("<title>\(clock(want.start))–") && $0.contains(" \(want.title)")
                && $0.hasSuffix("(\(SessionClockText.length(want.length)))") }, "HTML: no block for \(want.title): \(blocks)")
        }
        let marksRow = html.components(separatedBy: "<tr").first { $0.contains("a long wave") && $0.contains("class=\"playing\"") } ?? ""
        let htmlShown = marksRow.components(separatedBy: "Second Tide at ").dropFirst().first?.prefix { $0 != "<" } ?? ""
        #expect(abs((parsed(String(htmlShown)) ?? .nan) - position) <= 1, "HTML marks row: \(marksRow)")
    }
}

/// Lengths as the review writes them (`45 s`, `1:05`), written here independently of `SessionClock`.
enum SessionClockText {
    static func length(_ seconds: Double) -> String {
        let total = Int((seconds + 0.5).rounded(.down))
        return total < 60 ? "\(total) s" : "\(total / 60):" + (total % 60 < 10 ? "0" : "") + "\(total % 60)"
    }
}
