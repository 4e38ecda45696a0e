import Testing
@testable import InwardCore

private func reading(_ arguments: String...) throws -> VitalSigns {
    try VitalSigns.parse(arguments: arguments)
}

@Suite struct VitalAlertsTests {
    @Test func aNormalReadingRaisesNothingBeforeOrAfterTheDose() throws {
        let r = try reading("bp=120/80", "hr=72", "spo2=97", "rr=14", "temp=36.8")
        #expect(VitalAlerts.defaults.alerts(for: r, afterDose: false).isEmpty)
        #expect(VitalAlerts.defaults.alerts(for: r, afterDose: true).isEmpty)
    }

    @Test func systolic230IsRecordedWithAnAlert() throws {
        let r = try reading("systolic=230")
        let before = VitalAlerts.defaults.alerts(for: r, afterDose: false)
        #expect(before == [VitalAlert(limit: .systolicMax, value: 230, threshold: 140, afterDose: false)])
        #expect(before.first?.description == "systolic 230 mmHg is at or above 140 mmHg before the dose")
        #expect(before.first?.code == "systolic_high")
        let after = VitalAlerts.defaults.alerts(for: r, afterDose: true)
        #expect(after == [VitalAlert(limit: .systolicMaxAfterDose, value: 230, threshold: 180, afterDose: true)])
        #expect(after.first?.description == "systolic 230 mmHg is at or above 180 mmHg after the dose")
    }

    /// The pre-dose blood pressure limit is "at or above 140/90" (Spravato label guidance).
    @Test func bloodPressureBeforeTheDoseAlertsAtOrAbove140Over90() throws {
        let alerts = VitalAlerts.defaults
        #expect(alerts.alerts(for: try reading("bp=139/89"), afterDose: false).isEmpty)
        #expect(alerts.alerts(for: try reading("bp=140/85"), afterDose: false).map(\.limit) == [.systolicMax])
        #expect(alerts.alerts(for: try reading("bp=130/90"), afterDose: false).map(\.limit) == [.diastolicMax])
        #expect(alerts.alerts(for: try reading("bp=150/95"), afterDose: false).map(\.limit) == [.systolicMax, .diastolicMax])
        // After the dose a rise is expected; the limit is 180/110.
        #expect(alerts.alerts(for: try reading("bp=150/95"), afterDose: true).isEmpty)
        #expect(alerts.alerts(for: try reading("bp=179/109"), afterDose: true).isEmpty)
        #expect(alerts.alerts(for: try reading("bp=180/110"), afterDose: true).map(\.limit) == [.systolicMaxAfterDose, .diastolicMaxAfterDose])
    }

    @Test func lowLimitsAlertBelowTheirValue() throws {
        let alerts = VitalAlerts.defaults
        #expect(alerts.alerts(for: try reading("spo2=92"), afterDose: true).isEmpty)
        let low = alerts.alerts(for: try reading("spo2=91"), afterDose: true)
        #expect(low == [VitalAlert(limit: .spo2Min, value: 91, threshold: 92, afterDose: true)])
        #expect(low.first?.description == "spo2 91 % is below 92 %")
        #expect(low.first?.code == "spo2_low")
        #expect(alerts.alerts(for: try reading("rr=8"), afterDose: true).map(\.limit) == [.respiratoryRateMin])
        #expect(alerts.alerts(for: try reading("rr=9"), afterDose: true).isEmpty)
        #expect(alerts.alerts(for: try reading("hr=40"), afterDose: false).map(\.limit) == [.heartRateMin])
        #expect(alerts.alerts(for: try reading("sys=89"), afterDose: false).map(\.limit) == [.systolicMin])
        #expect(alerts.alerts(for: try reading("temp=34.9"), afterDose: false).map(\.limit) == [.temperatureMin])
    }

    @Test func everyDefaultLimitAlertsExactlyAtItsEdge() throws {
        for limit in VitalLimit.allCases {
            let edge = limit.defaultValue
            let crossing = limit.bound == .high ? edge : edge - 0.5
            let inside = limit.bound == .high ? edge - 0.5 : edge
            let afterDose = limit.when == .afterDose
            let alerts = VitalAlerts.defaults
            let hit = alerts.alerts(for: try VitalSigns.parse([(limit.field.rawValue, .number(crossing))]), afterDose: afterDose)
            #expect(hit.map(\.limit).contains(limit), "\(limit) at \(crossing)")
            let miss = alerts.alerts(for: try VitalSigns.parse([(limit.field.rawValue, .number(inside))]), afterDose: afterDose)
            #expect(!miss.map(\.limit).contains(limit), "\(limit) at \(inside)")
        }
    }

    @Test func aReadingCanRaiseSeveralAlertsInFieldOrder() throws {
        let r = try reading("temp=39", "spo2=88", "hr=140", "rr=30", "bp=150/95")
        #expect(VitalAlerts.defaults.alerts(for: r, afterDose: false).map(\.code)
            == ["systolic_high", "diastolic_high", "heart_rate_high", "spo2_low", "respiratory_rate_high", "temperature_high"])
    }

    @Test func overridesChangeTheLimitAndOnlyThatLimit() throws {
        var alerts = VitalAlerts.defaults
        alerts[.systolicMax] = 160
        #expect(alerts[.systolicMax] == 160)
        #expect(alerts.overrides == [.systolicMax: 160])
        #expect(alerts.alerts(for: try reading("bp=150/85"), afterDose: false).isEmpty)
        #expect(alerts.alerts(for: try reading("bp=160/85"), afterDose: false).map(\.threshold) == [160])
        alerts[.systolicMax] = 140
        #expect(alerts == .defaults)
    }
}

@Suite struct StandingVitalAlertsTests {
    @Test func anAlertStandsUntilALaterReadingOfItsFieldIsNormal() throws {
        let limits = VitalAlerts.defaults
        var standing = StandingVitalAlerts()
        func record(_ arguments: String...) throws {
            let r = try VitalSigns.parse(arguments: arguments)
            standing.record(r, alerts: limits.alerts(for: r, afterDose: true))
        }
        try record("bp=190/100", "spo2=90")
        #expect(standing.alerts.map(\.code) == ["systolic_high", "spo2_low"])
        try record("hr=80")                       // measures neither: both stand
        #expect(standing.alerts.map(\.code) == ["systolic_high", "spo2_low"])
        try record("spo2=96")                     // SpO2 normal again
        #expect(standing.alerts.map(\.code) == ["systolic_high"])
        try record("bp=185/100")                  // still high: the newer value stands
        #expect(standing.alerts.map(\.value) == [185])
        try record("bp=150/90")
        #expect(standing.isEmpty)
    }
}
