import Foundation
import Testing
@testable import InwardCore

/// A valid one-phase plan (route `route`) with `extra` from line 3, before the phase.
private func plan(route: String = "intranasal", _ extra: String) -> String {
    """
    name = "p"
    route = "\(route)"
    \(extra)
    [[phase]]
    name = "a"
    duration = "10m"
    source = { kind = "silence" }
    """
}

private func parse(_ text: String) throws(PlanInvalid) -> ParsedPlan {
    try PlanParser.parse(text, file: "p.toml", folder: "/plans") { _ in true }
}

private func errors(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Diagnostic] {
    do {
        _ = try parse(text)
        Issue.record("expected PlanInvalid", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics.filter { $0.severity == .error }
    }
}

/// `[vitals.alerts]`, `[aftercare]` and `[dose]`.
@Suite struct PlanClinicalKeysTests {
    @Test func withoutTheTablesThePlanHasTheDefaults() throws {
        let p = try parse(plan("")).plan
        #expect(p.vitalAlerts == .defaults)
        #expect(p.minAftercareAfterDose == nil)
        #expect(p.amountPerDevice == nil)
        #expect(p.vitals == nil)
    }

    @Test func readsAllThreeTables() throws {
        let parsed = try parse(plan("""
            [aftercare]
            min_after_dose = "2h"

            [dose]
            amount_per_device = "28 mg"

            [vitals]
            before_dose = true

            [vitals.alerts]
            systolic_max = 160
            spo2_min = 90
            temperature_max = 38.5
            """))
        #expect(parsed.warnings.isEmpty)
        let p = parsed.plan
        #expect(p.minAftercareAfterDose == 7200)
        #expect(p.amountPerDevice == DoseAmount(value: 28, unit: "mg"))
        #expect(p.vitals?.beforeDose == true)
        #expect(p.vitalAlerts[.systolicMax] == 160)
        #expect(p.vitalAlerts[.spo2Min] == 90)
        #expect(p.vitalAlerts[.temperatureMax] == 38.5)
        #expect(p.vitalAlerts.overrides.count == 3)
    }

    @Test func planOverridesChangeTheAlertsAReadingRaises() throws {
        let reading = try VitalSigns.parse(arguments: ["bp=150/85", "spo2=91"])
        let shipped = try parse(plan("")).plan.vitalAlerts
        #expect(shipped.alerts(for: reading, afterDose: false).map(\.code) == ["systolic_high", "spo2_low"])
        let relaxed = try parse(plan("[vitals.alerts]\nsystolic_max = 160\nspo2_min = 90\n")).plan.vitalAlerts
        #expect(relaxed.alerts(for: reading, afterDose: false).isEmpty)
        let strict = try parse(plan("[vitals.alerts]\nsystolic_max_after_dose = 150\n")).plan.vitalAlerts
        #expect(strict.alerts(for: reading, afterDose: true).map(\.code) == ["systolic_high", "spo2_low"])
    }

    @Test func alertsAloneLeaveTheScheduleUnset() throws {
        let p = try parse(plan("[vitals.alerts]\nheart_rate_max = 120\n")).plan
        #expect(p.vitals == nil)
        #expect(p.vitalAlerts[.heartRateMax] == 120)
        let inline = try parse(plan("[vitals]\nevery = \"15m\"\nalerts = { heart_rate_max = 120 }\n")).plan
        #expect(inline.vitals?.every == 900)
        #expect(inline.vitalAlerts[.heartRateMax] == 120)
    }

    @Test func unknownAlertKeysSuggestTheNearestOne() {
        let found = errors(plan("[vitals.alerts]\nsystolic_maxx = 160\n"))
        #expect(found.count == 1)
        #expect(found.first?.key == "vitals.alerts.systolic_maxx")
        #expect(found.first?.line == 4)
        #expect(found.first?.message == "unknown key \"systolic_maxx\"; did you mean systolic_max?")
    }

    @Test func alertLimitsMustBePossibleNumbers() {
        let found = errors(plan("[vitals.alerts]\nspo2_min = 101\nheart_rate_max = \"fast\"\nsystolic_max = -1\n"))
        #expect(found.map(\.key) == ["vitals.alerts.spo2_min", "vitals.alerts.heart_rate_max", "vitals.alerts.systolic_max"])
        #expect(found.map(\.line) == [4, 5, 6])
        #expect(found[0].message == "101 % is outside 50 to 100 %, the values spo2 can take; a reading alerts when it is below 92 % by default")
        #expect(found[1].message == "heart_rate_max must be a number, got string \"fast\"")
    }

    @Test func aMinimumMustBeBelowItsMaximum() {
        let found = errors(plan("[vitals.alerts]\nheart_rate_min = 100\nheart_rate_max = 90\n"))
        #expect(found.count == 1)
        #expect(found.first?.key == "vitals.alerts.heart_rate_max")
        #expect(found.first?.message == "heart_rate_min (100) is not below heart_rate_max (90): every heart_rate reading would raise an alert; lower heart_rate_min or raise heart_rate_max")
        // Against a default too.
        #expect(errors(plan("[vitals.alerts]\nsystolic_min = 150\n")).map(\.key) == ["vitals.alerts.systolic_min"])
    }

    @Test func minAfterDoseIsAPositiveDuration() {
        #expect(errors(plan("[aftercare]\nmin_after_dose = 120\n")).first?.message.contains("add a unit") == true)
        #expect(errors(plan("[aftercare]\nmin_after_dose = \"0s\"\n")).first?.message
            == "min_after_dose must be longer than 0s; leave it out if the plan sets no minimum")
        #expect(errors(plan("[aftercare]\nmin_after_dose = \"2 hours\"\n")).first?.key == "aftercare.min_after_dose")
        #expect(errors(plan("aftercare = \"2h\"\n")).first?.message == "aftercare must be a table ([aftercare]), got string \"2h\"")
    }

    @Test func maxOpenIsADaemonSettingNotAPlanKey() {
        let found = errors(plan("[aftercare]\nmin_after_dose = \"2h\"\nmax_open = \"8h\"\n"))
        #expect(found.count == 1)
        #expect(found.first?.key == "aftercare.max_open")
        #expect(found.first?.line == 5)
        #expect(found.first?.message.hasPrefix("max_open is not a plan key") == true)
    }

    @Test func amountPerDeviceIsAnAmount() {
        let found = errors(plan("[dose]\namount_per_device = \"28 mgg\"\n"))
        #expect(found.first?.key == "dose.amount_per_device")
        #expect(found.first?.line == 4)
        #expect(found.first?.message == "\"28 mgg\" is not an amount; write a number above 0 and a unit (mg, mcg, µg, g, ml), e.g. amount_per_device = \"28 mg\"")
        #expect(errors(plan("[dose]\namount_per_device = 28\n")).first?.message == "amount_per_device must be a string, got integer 28")
        #expect(errors(plan("[dose]\nroute = \"im\"\n")).first?.message.hasPrefix("unknown key \"route\"; route belongs at the top") == true)
    }

    @Test func amountPerDeviceOnAnotherRouteWarns() throws {
        let parsed = try parse(plan(route: "im", "[dose]\namount_per_device = \"28 mg\"\n"))
        #expect(parsed.plan.amountPerDevice?.description == "28 mg")
        #expect(parsed.warnings.map(\.key) == ["dose.amount_per_device"])
        #expect(parsed.warnings.first?.message.contains("this plan's route is \"im\"") == true)
    }

    @Test func clinicalKeysInTheWrongTableSayWhereTheyBelong() {
        let found = errors(plan("[vitals]\nmin_after_dose = \"2h\"\nsystolic_max = 150\n[aftercare]\namount_per_device = \"28 mg\"\n"))
        #expect(found.map(\.message) == [
            "unknown key \"min_after_dose\"; min_after_dose belongs in [aftercare]",
            "unknown key \"systolic_max\"; systolic_max belongs in [vitals.alerts]",
            "unknown key \"amount_per_device\"; amount_per_device belongs in [dose]",
        ])
    }
}

/// The plans shipped in Playlists/ parse, with the clinical keys CLINICAL.md asks for.
@Suite struct ShippedPlansTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Playlists")

    static func load(_ name: String) throws -> ParsedPlan {
        let url = folder.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        return try PlanParser.parse(text, file: "Playlists/\(name)", folder: folder.path) {
            FileManager.default.fileExists(atPath: $0)
        }
    }

    @Test func everyShippedPlanParsesWithoutWarningsAndSaysHowLongAftercareLasts() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(names.count >= 5)
        for name in names {
            let parsed = try Self.load(name)
            #expect(parsed.warnings.isEmpty, "\(name): \(parsed.warnings)")
            let minimum = try #require(parsed.plan.minAftercareAfterDose, "\(name) has no [aftercare] min_after_dose")
            #expect((3600...3 * 3600).contains(minimum), "\(name): \(minimum) s")
        }
    }

    @Test(arguments: [("intranasal-esketamine.toml", 7200.0), ("im.toml", 5400), ("music-example.toml", 5400),
                      ("iv-infusion.toml", 6000), ("sublingual.toml", 7200)])
    func minAfterDoseFollowsClinicalRanges(_ name: String, _ seconds: Double) throws {
        #expect(try Self.load(name).plan.minAftercareAfterDose == seconds)
    }

    @Test func theEsketaminePlanStatesWhatADeviceDelivers() throws {
        let p = try Self.load("intranasal-esketamine.toml").plan
        #expect(p.route == .intranasal)
        #expect(p.amountPerDevice == DoseAmount(value: 28, unit: "mg"))
        #expect(p.amountPerDevice?.times(2).description == "56 mg")
        for name in ["im.toml", "iv-infusion.toml", "sublingual.toml", "music-example.toml"] {
            #expect(try Self.load(name).plan.amountPerDevice == nil, "\(name)")
        }
    }
}
