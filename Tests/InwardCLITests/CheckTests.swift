import Foundation
import InwardAudio
import InwardCore
import Testing

/// The shipped plans in Playlists/, by file name.
let shippedPlans: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: CLI.playlistsDir.path)) ?? []
    return names.filter { $0.hasSuffix(".toml") }.sorted()
}()

@Suite("inward check on the shipped plans")
struct CheckShippedPlanTests {
    @Test("Playlists/ holds the shipped plans")
    func shippedPlansFound() {
        #expect(shippedPlans.count >= 4, "found \(shippedPlans) in \(CLI.playlistsDir.path)")
        #expect(shippedPlans.contains("im.toml"))
        #expect(shippedPlans.contains("music-example.toml"))
    }

    @Test("text output: exit 0, every phase named", arguments: shippedPlans)
    func text(planName: String) throws {
        let tmp = try TempDir()
        let path = CLI.playlistsDir.appendingPathComponent(planName).path
        let expected = try PlanLoader.load(path).plan
        let r = try CLI.run(["check", path], home: tmp.url)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutHas(expected.name), "plan name missing\n\(r)")
        for phase in expected.phases {
            #expect(r.stdoutHas(" \(phase.name) "), "phase \(phase.name) not named\n\(r)")
        }
        // The dosing clock reads as it does in status and the review: T+00:08:00, not T+8:00.
        let clock = /T[+-]\d\d:\d\d:\d\d/
        let rows = r.stdout.split(separator: "\n").filter { $0.contains(/^\s+\d+\s/) }
        #expect(rows.count == expected.phases.count && rows.allSatisfy { $0.contains(clock) }, "\(r.stdout)")
        #expect(r.stdout.contains(/ends at T\+\d\d:\d\d:\d\d/), "\(r.stdout)")
        #expect(r.stdoutHas("plan OK"), "\(r)")
    }

    @Test("--json output: valid, the phases, length = phases + dose", arguments: shippedPlans)
    func json(planName: String) throws {
        let tmp = try TempDir()
        let path = CLI.playlistsDir.appendingPathComponent(planName).path
        let expected = try PlanLoader.load(path).plan
        // --json may stand before or after the command.
        for args in [["--json", "check", path], ["check", path, "--json"], ["check", "--json", path]] {
            let r = try CLI.run(args, home: tmp.url)
            #expect(r.status == 0, "\(args): \(r)")
            let object = try #require(r.json as? [String: Any], "not a JSON object: \(r)")
            #expect(object["valid"] as? Bool == true)
            #expect(object["name"] as? String == expected.name)
            let phases = try #require(object["phases"] as? [[String: Any]], "no phases list")
            #expect(phases.map { $0["name"] as? String ?? "?" } == expected.phases.map(\.name))

            let length = try #require(object.double("length"), "no length")
            let doseAt = object.double("dose_at")
            var sum = 0.0
            var untilDose = 0
            for p in phases {
                if let s = p.double("duration") {
                    sum += s
                } else {
                    #expect(p["duration"] as? String == "until dose", "phase \(p["name"] ?? "?") duration")
                    untilDose += 1
                }
            }
            if untilDose == 1 {
                let dose = try #require(doseAt, "until-dose plan without dose_at")
                // The until-dose phase lasts up to the dose, after the fixed pre-dose phases.
                let index = phases.firstIndex { $0["duration"] as? String == "until dose" }!
                let preDose = phases[..<index].reduce(0.0) { $0 + ($1.double("duration") ?? 0) }
                #expect(dose >= preDose)
                #expect(abs(length - (sum + (dose - preDose))) < 1e-3, "length \(length) vs sum \(sum) + dose \(dose) - pre \(preDose)")
                if index == 0 { #expect(abs(length - (sum + dose)) < 1e-3) }
            } else {
                #expect(untilDose == 0)
                #expect(abs(length - sum) < 1e-3, "length \(length) vs sum \(sum)")
            }
            // Phases chain: each starts where the previous ended, the last ends the session.
            var previousEnd = 0.0
            for p in phases {
                let start = try #require(p.double("start")), end = try #require(p.double("end"))
                #expect(abs(start - previousEnd) < 1e-3, "\(p["name"] ?? "?") starts at \(start), previous ended \(previousEnd)")
                if let d = p.double("duration") { #expect(abs(end - start - d) < 1e-3) }
                previousEnd = end
            }
            #expect(abs(previousEnd - length) < 1e-3)
        }
    }

    @Test("--dose-at moves the dose and the length with it")
    func doseAt() throws {
        let tmp = try TempDir()
        let path = CLI.playlistsDir.appendingPathComponent("im.toml").path
        let a = try CLI.run(["--json", "check", path, "--dose-at", "10m"], home: tmp.url)
        let b = try CLI.run(["--json", "check", path, "--dose-at", "25m"], home: tmp.url)
        #expect(a.status == 0 && b.status == 0, "\(a)\n\(b)")
        let ja = try #require(a.json as? [String: Any]), jb = try #require(b.json as? [String: Any])
        #expect(ja.double("dose_at") == 600)
        #expect(jb.double("dose_at") == 1500)
        let la = try #require(ja.double("length")), lb = try #require(jb.double("length"))
        #expect(abs((lb - la) - 900) < 1e-3, "lengths \(la) and \(lb)")
    }
}
