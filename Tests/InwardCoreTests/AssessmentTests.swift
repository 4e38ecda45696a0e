import Testing
@testable import InwardCore

private func refusal(_ fields: [(key: String, value: MarkFieldValue)],
                     sourceLocation: SourceLocation = #_sourceLocation) -> [AssessmentProblem] {
    do {
        let a = try Assessment.parse(fields)
        Issue.record("expected a refusal, got \(a)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.problems
    }
}

@Suite struct AssessmentTests {
    @Test func readsTheThreeFields() throws {
        let a = try Assessment.parse(sedation: "mild", dissociation: "Moderate", respiratory: " normal ")
        #expect(a == Assessment(sedation: .mild, dissociation: .moderate, respiratory: .normal))
        #expect(a.namedValues.map(\.name) == ["sedation", "dissociation", "respiratory"])
        #expect(a.namedValues.map(\.value) == ["mild", "moderate", "normal"])
    }

    @Test(arguments: Assessment.Level.allCases)
    func everyLevelIsAccepted(_ level: Assessment.Level) throws {
        let a = try Assessment.parse(sedation: level.rawValue, dissociation: level.rawValue, respiratory: "depressed")
        #expect(a.sedation == level && a.dissociation == level && a.respiratory == .depressed)
    }

    @Test func aValueOutsideItsListNamesTheFieldTheValueAndTheAllowedValues() {
        let problems = refusal([("sedation", .text("heavy")), ("dissociation", .text("none")), ("respiratory", .text("slow"))])
        #expect(problems == [
            .notAllowed(field: "sedation", written: "\"heavy\"", allowed: ["none", "mild", "moderate", "severe"]),
            .notAllowed(field: "respiratory", written: "\"slow\"", allowed: ["normal", "depressed"]),
        ])
        #expect(problems[0].message == "sedation \"heavy\" is not one of none, mild, moderate, severe; use one, e.g. --sedation none")
        #expect(problems[1].message == "respiratory \"slow\" is not one of normal, depressed; use one, e.g. --respiratory normal")
        #expect(refusal([("sedation", .number(2)), ("dissociation", .text("none")), ("respiratory", .text("normal"))])
            == [.notAllowed(field: "sedation", written: "2", allowed: ["none", "mild", "moderate", "severe"])])
    }

    @Test func missingFieldsAreNamedWithTheirValues() {
        #expect(throws: AssessmentInvalid([.missing(field: "dissociation"), .missing(field: "respiratory")])) {
            try Assessment.parse(sedation: "none", dissociation: nil, respiratory: nil)
        }
        let problems = refusal([])
        #expect(problems.map(\.field) == ["sedation", "dissociation", "respiratory"])
        #expect(problems[2].message.contains("add --respiratory normal|depressed"))
    }

    @Test func unknownAndRepeatedFieldsAreRefused() {
        let problems = refusal([("sedation", .text("none")), ("dissociaton", .text("mild")), ("respiratory", .text("normal")),
                                ("Sedation", .text("mild"))])
        #expect(problems == [.unknownField(name: "dissociaton", suggestion: "dissociation"), .repeated(field: "sedation"),
                             .missing(field: "dissociation")])
        #expect(problems[0].message.hasPrefix("unknown assessment field \"dissociaton\" (did you mean dissociation?)"))
    }
}

@Suite struct DoseAmountTests {
    @Test func readsAnAmountAndMultipliesIt() throws {
        let a = try #require(DoseAmount.parse("28 mg"))
        #expect(a == DoseAmount(value: 28, unit: "mg"))
        #expect(a.times(2).description == "56 mg")
        #expect(a.times(3).description == "84 mg")
        #expect(DoseAmount.parse("0.5mg")?.description == "0.5 mg")
        #expect(DoseAmount.parse(" 250 µg ")?.description == "250 mcg")
        #expect(DoseAmount.parse("2 ML")?.description == "2 ml")
    }

    @Test(arguments: ["", "mg", "28", "28 mgg", "-28 mg", "0 mg", "28 mg/kg", "1e3 mg", "twenty mg"])
    func refusesWhatIsNotAnAmount(_ text: String) {
        #expect(DoseAmount.parse(text) == nil)
    }
}
