import Testing
@testable import InwardCore

/// `[headphones_off]` in a plan: off by default, read when given, and every
/// refusal names the key and says what to write.
@Suite struct HeadphonesOffPlanTests {
    func parse(_ table: String) throws(PlanInvalid) -> Plan { try OnePhasePlan.parse(table) }

    func errors(_ table: String) -> [String] { OnePhasePlan.errors(table) }

    @Test func offByDefaultAndRead() throws {
        #expect(try parse("").headphonesOffRaise == nil)
        #expect(try parse("[headphones_off]\nraise_db = 6").headphonesOffRaise == HeadphonesOffRaise(output: "speakers", raiseDB: 6))
        #expect(try parse("[headphones_off]\nraise_db = 12\noutput = \"room-2\"").headphonesOffRaise
            == HeadphonesOffRaise(output: "room-2", raiseDB: 12))
    }

    @Test func refusals() {
        #expect(errors("[headphones_off]\noutput = \"speakers\"").contains { $0.hasPrefix("headphones_off: headphones_off needs raise_db") })
        #expect(errors("[headphones_off]\nraise_db = 0").contains { $0.hasPrefix("headphones_off.raise_db: 0 dB is outside") })
        #expect(errors("[headphones_off]\nraise_db = -3").contains { $0.hasPrefix("headphones_off.raise_db: -3 dB is outside") })
        #expect(errors("[headphones_off]\nraise_db = 13").contains { $0.hasPrefix("headphones_off.raise_db: 13 dB is outside") })
        #expect(errors("[headphones_off]\nraise_db = \"6\"").contains { $0.hasPrefix("headphones_off.raise_db:") })
        #expect(errors("[headphones_off]\nraise_db = 6\noutput = \"the speakers\"").contains {
            $0.hasPrefix("headphones_off.output: \"the speakers\" is not an output name")
        })
        #expect(errors("[headphones_off]\nraise_db = 6\nraise = 3").contains { $0.hasPrefix("headphones_off.raise") })
        #expect(errors("headphones_off = 6").contains { $0.hasPrefix("headphones_off: headphones_off must be a table") })
    }
}
