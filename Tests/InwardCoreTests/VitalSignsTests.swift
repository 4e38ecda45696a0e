import Testing
@testable import InwardCore

/// The problems a reading given as `key=value` texts is refused with.
private func refusal(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> [VitalSignsProblem] {
    do {
        let reading = try VitalSigns.parse(arguments: arguments)
        Issue.record("expected a refusal, got \(reading.namedValues)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.problems
    }
}

@Suite struct VitalSignsTests {
    @Test func readsEveryFieldByItsName() throws {
        let r = try VitalSigns.parse(arguments: ["systolic=120", "diastolic=80", "heart_rate=72", "spo2=97",
                                                 "respiratory_rate=14", "temperature=36.8"])
        #expect(r[.systolic] == 120)
        #expect(r[.diastolic] == 80)
        #expect(r[.heartRate] == 72)
        #expect(r[.spo2] == 97)
        #expect(r[.respiratoryRate] == 14)
        #expect(r[.temperature] == 36.8)
        #expect(r.fields == VitalField.allCases)
        #expect(r.namedValues.map(\.name) == ["systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate", "temperature"])
    }

    @Test func bpSplitsIntoSystolicAndDiastolic() throws {
        for text in ["bp=120/80", "BP=120 / 80", "bp=120/80mmHg", "bp= 120/80 mmhg "] {
            let r = try VitalSigns.parse(arguments: [text])
            #expect(r[.systolic] == 120, "\(text)")
            #expect(r[.diastolic] == 80, "\(text)")
            #expect(r.fields == [.systolic, .diastolic])
        }
    }

    @Test(arguments: [("sys", VitalField.systolic), ("dia", .diastolic), ("hr", .heartRate), ("pulse", .heartRate),
                      ("rr", .respiratoryRate), ("temp", .temperature), ("Heart-Rate", .heartRate), ("SpO2", .spo2),
                      (" spo2 ", .spo2)])
    func acceptsShortAndLooseNames(_ name: String, _ field: VitalField) throws {
        let value = field.example
        let r = try VitalSigns.parse(arguments: ["\(name)=\(value)"])
        #expect(r.fields == [field])
        #expect(r[field] == Double(value))
    }

    @Test func valuesMayCarryTheirOwnUnit() throws {
        let r = try VitalSigns.parse(arguments: ["spo2=97%", "temperature=36.8C", "hr=72bpm", "rr=14/min", "sys=120 mmHg"])
        #expect(r[.spo2] == 97)
        #expect(r[.temperature] == 36.8)
        #expect(r[.heartRate] == 72)
        #expect(r[.respiratoryRate] == 14)
        #expect(r[.systolic] == 120)
    }

    @Test func readsTheVarlinkFieldsObject() throws {
        let r = try VitalSigns.parse([("bp", .text("140/95")), ("heart_rate", .number(88)), ("spo2", .number(95.5))])
        #expect(r.namedValues.map(\.name) == ["systolic", "diastolic", "heart_rate", "spo2"])
        #expect(r.namedValues.map(\.value) == [140, 95, 88, 95.5])
    }

    @Test func abnormalButPossibleValuesAreAccepted() throws {
        let r = try VitalSigns.parse(arguments: ["systolic=230", "diastolic=130", "spo2=85", "rr=0", "hr=160", "temp=39.5"])
        #expect(r[.systolic] == 230)
        #expect(r[.spo2] == 85)
        #expect(r[.respiratoryRate] == 0)
    }

    @Test func theEdgesOfThePossibleRangesAreAccepted() throws {
        for field in VitalField.allCases where field != .diastolic {
            for edge in [field.possible.lowerBound, field.possible.upperBound] {
                let r = try VitalSigns.parse([(field.rawValue, .number(edge))])
                #expect(r[field] == edge)
            }
        }
    }

    /// Every impossible value is refused with a message naming the field, the value and the range.
    @Test(arguments: [
        ("spo2=101", "spo2", "101 %", "50 to 100 %"),
        ("systolic=301", "systolic", "301 mmHg", "40 to 300 mmHg"),
        ("respiratory_rate=-1", "respiratory_rate", "-1 /min", "0 to 60 /min"),
        ("heart_rate=-5", "heart_rate", "-5 /min", "20 to 300 /min"),
        ("diastolic=5", "diastolic", "5 mmHg", "20 to 200 mmHg"),
        ("temperature=46", "temperature", "46 °C", "30 to 45 °C"),
        ("hr=720", "heart_rate", "720 /min", "20 to 300 /min"),
    ])
    func impossibleValuesAreRefusedNamingFieldValueAndRange(_ argument: String, _ field: String, _ value: String, _ range: String) {
        let problems = refusal([argument])
        #expect(problems.count == 1)
        let message = problems.first?.message ?? ""
        #expect(problems.first?.field == field)
        #expect(message.hasPrefix("\(field) \(value) is outside \(range)"), "\(message)")
        #expect(message.contains("enter it again"))
    }

    @Test func nonNumbersAreRefusedWithTheRangeAndAnExample() {
        let problems = refusal(["heart_rate=fast"])
        #expect(problems == [.notANumber(field: .heartRate, written: "\"fast\"")])
        #expect(problems[0].message == "heart_rate \"fast\" is not a number; write a number of /min from 20 to 300 /min, e.g. heart_rate=72")
        for odd in ["nan", "inf", "1e3", "0x10", "7.2.1", "", "-"] {
            #expect(refusal(["spo2=\(odd)"]) == [.notANumber(field: .spo2, written: "\"\(odd)\"")], "\(odd)")
        }
        #expect(throws: VitalSignsInvalid([.notANumber(field: .spo2, written: "a bool")])) {
            try VitalSigns.parse([("spo2", .other(typeName: "bool"))])
        }
        #expect(throws: VitalSignsInvalid([.notANumber(field: .spo2, written: "nan")])) {
            try VitalSigns.parse([("spo2", .number(.nan))])
        }
    }

    @Test func unknownFieldsSuggestTheNearestName() {
        let problems = refusal(["hartrate=72"])
        #expect(problems == [.unknownField(name: "hartrate", suggestion: "heart_rate")])
        #expect(problems[0].message.hasPrefix("unknown vital sign \"hartrate\" (did you mean heart_rate?); use one of systolic, diastolic"))
        #expect(refusal(["glucose=5"]) == [.unknownField(name: "glucose", suggestion: nil)])
    }

    @Test func aReadingNeedsAField() {
        #expect(refusal([]) == [.noFields])
        #expect(refusal([])[0].message.contains("--field bp=120/80"))
        #expect(throws: VitalSignsInvalid([.noFields])) { try VitalSigns.parse([]) }
    }

    @Test func anArgumentWithoutEqualsIsRefused() {
        #expect(refusal(["120/80"]) == [.notKeyValue(written: "120/80")])
        #expect(refusal(["=5"]) == [.notKeyValue(written: "=5")])
    }

    @Test func badBloodPressuresSayTheForm() {
        for bad in ["120-80", "120/", "/80", "120/80/60", "high"] {
            let problems = refusal(["bp=\(bad)"])
            #expect(problems == [.notABloodPressure(written: "\"\(bad)\"")], "\(bad)")
            #expect(problems.first?.message.contains("write SYSTOLIC/DIASTOLIC in mmHg, e.g. bp=120/80") == true)
        }
        #expect(throws: VitalSignsInvalid([.notABloodPressure(written: "120")])) { try VitalSigns.parse([("bp", .number(120))]) }
        // Each half is checked like its own field.
        #expect(refusal(["bp=320/80"]) == [.outOfRange(field: .systolic, value: 320)])
    }

    @Test func swappedBloodPressureIsRefused() {
        let problems = refusal(["bp=80/120"])
        #expect(problems == [.diastolicNotBelowSystolic(systolic: 80, diastolic: 120)])
        #expect(problems[0].message.contains("swapped?"))
        #expect(refusal(["systolic=90", "diastolic=90"]) == [.diastolicNotBelowSystolic(systolic: 90, diastolic: 90)])
    }

    @Test func aFieldGivenTwiceIsRefused() {
        #expect(refusal(["systolic=120", "bp=125/80"]) == [.repeated(field: .systolic, names: ["systolic", "bp"])])
        #expect(refusal(["hr=70", "pulse=72"]) == [.repeated(field: .heartRate, names: ["hr", "pulse"])])
        #expect(refusal(["hr=70", "pulse=72"])[0].message == "heart_rate is given more than once (as hr, pulse); give it once")
    }

    @Test func everyProblemIsReportedInInputOrder() {
        let problems = refusal(["spo2=101", "pulse=fast", "glucose=5", "temp=37"])
        #expect(problems.map(\.field) == ["spo2", "heart_rate", "glucose"])
    }

    @Test func likelySlipsAreNamed() {
        #expect(refusal(["spo2=0.97"])[0].message.contains("a fraction? SpO2 is a percentage: write 97, not 0.97"))
        #expect(refusal(["temperature=98.6"])[0].message.contains("°F? 98.6 °F is 37 °C"))
        // An explicit °F is refused even when the number would be a possible °C.
        let f = refusal(["temp=38F"])
        #expect(f == [.fahrenheit(value: 38)])
        #expect(f[0].message == "temperature 38 °F: readings are in °C (30 to 45 °C); enter the reading in °C")
        let fever = refusal(["temp=100.4 °F"])
        #expect(fever == [.fahrenheit(value: 100.4)])
        #expect(fever[0].message == "temperature 100.4 °F: readings are in °C (30 to 45 °C); 100.4 °F is 38 °C, so write temperature=38")
    }

    @Test func theErrorDescriptionHasOneLinePerProblem() {
        let error = VitalSignsInvalid([.noFields, .outOfRange(field: .spo2, value: 101)])
        #expect(error.description.split(separator: "\n").count == 2)
    }
}
