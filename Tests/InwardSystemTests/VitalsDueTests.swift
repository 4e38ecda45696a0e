@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing

/// The plan's [vitals] schedule, through the protocol and the CLI: a reading
/// owed before the dose, then every 2 minutes after it; status says when one
/// is due and when it is overdue, and `mark vitals` meets it.
@Suite("vitals due")
struct VitalsDueTests {
    static let plan = PlanFixture(name: "vitals", preamble: ["[vitals]", "before_dose = true", #"every = "2m""#], phases: [
        .init("arrival", "until dose", source: .silence),
        .init("onset", "30m", source: .silence),
    ]).toml

    func due(_ c: VarlinkTestClient) throws -> JSONObject? { try c.sessionStatus()["vitals_due"]?.objectValue }

    /// The reading owed and the T+ clock, from one Status.
    func dueNow(_ c: VarlinkTestClient) throws -> (due: JSONObject?, t0: Double?) {
        let status = try c.sessionStatus()
        return (status["vitals_due"]?.objectValue, status["t0_seconds"]?.doubleValue)
    }

    func vitals(_ c: VarlinkTestClient) throws {
        let r = try c.call(.mark, ["kind": "vitals", "fields": ["systolic": 128, "diastolic": 82, "heart_rate": 74]])
        #expect(r.error == nil, "\(r.object)")
    }

    @Test("owed before the dose, then every 2 min after it; overdue shows in status and the CLI; a reading meets it; the review lists taken and missed")
    func schedule() throws {
        let daemon = try DaemonHarness(plans: ["vitals.toml": Self.plan], pace: 20)
        let c = try daemon.client()
        #expect(try c.sessionStatus()["vitals_due"]?.isNull == true, "idle: nothing owed")
        #expect(try c.call(.start, ["plan": "vitals"]).error == nil)

        let before = try #require(try due(c), "no reading owed before the dose")
        #expect(before["t0_seconds"]?.isNull == true)
        #expect(before["in_seconds"]?.doubleValue == 0)
        let cli = try ProcessRun.product("inward", ["--socket", daemon.socket, "status"])
        #expect(cli.stdout.contains("vitals  due before the dose"), "\(cli)")

        try vitals(c)
        let met = try due(c)
        #expect(met == nil, "still owed after the reading: \(String(describing: met))")

        #expect(try c.call(.dose).error == nil)
        let (owed, doseClock) = try dueNow(c)
        let next = try #require(owed)
        #expect(next["t0_seconds"]?.doubleValue == 120)
        // Due in what is left until T+2:00, on the same status's clock.
        #expect(abs((next["in_seconds"]?.doubleValue ?? 0) - (120 - (doseClock ?? 0))) < 0.01, "\(next) at T+\(doseClock ?? -1)")

        try c.waitForClock(126, sinceDose: true)
        let late = try #require(try due(c))
        #expect(late["t0_seconds"]?.doubleValue == 120)
        #expect((late["in_seconds"]?.doubleValue ?? 0) < -5, "not overdue at T+2:06: \(late)")
        let overdue = try ProcessRun.product("inward", ["--socket", daemon.socket, "status"])
        #expect(overdue.stdout.contains("vitals  OVERDUE since T+00:02:00"), "\(overdue)")

        try vitals(c)
        let (owedAfter, clockAfter) = try dueNow(c)
        let after = try #require(owedAfter)
        #expect(after["t0_seconds"]?.doubleValue == 240, "\(after)")
        #expect(abs((after["in_seconds"]?.doubleValue ?? 0) - (240 - (clockAfter ?? 0))) < 0.01, "\(after) at T+\(clockAfter ?? -1)")
        let id = try #require(try c.sessionStatus()["session_id"]?.stringValue)

        // Past T+4:00 with no reading, then stop: the review lists each reading asked for.
        try c.waitForClock(250, sinceDose: true)
        #expect(try c.call(.stop).error == nil)
        daemon.terminate()
        let log = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
        let review = try ProcessRun.product("inward", ["review", log])
        #expect(review.stdout.contains("Vitals the plan asked for (2 taken, 1 missed)"), "\(review)")
        // Taken when each reading was marked, whatever a loaded machine made of the wait:
        // the first one moments before the dose (T-00:00:00 or T+00:00:00 once rounded).
        let marks = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONValue.parse(Array($0.utf8)).objectValue }
            .filter { $0["kind"]?.stringValue == "mark.vitals" }
        #expect(try #require(marks.first?["t0_seconds"]?.doubleValue) < 0, "the first reading is logged after the dose")
        #expect(review.stdout.contains("before the dose  taken at T"), "\(review.stdout)")
        let clock = ReviewEndToEndTests.clock(try #require(marks.last?["t0_seconds"]?.doubleValue))
        #expect(review.stdout.contains("T+00:02:00       taken at \(clock)"), "\(review.stdout)")
        #expect(review.stdout.contains("T+00:04:00       MISSED"), "\(review.stdout)")
        let json = try ProcessRun.product("inward", ["review", log, "--format", "json"])
        #expect(json.stdout.contains("\"vitals_schedule\":[{\"due_t0_seconds\":null"), "\(json.stdout.prefix(3000))")
        let html = try ProcessRun.product("inward", ["review", log, "--format", "html"])
        #expect(html.stdout.contains("<tr class=\"missed\"><td class=\"clock\">T+00:04:00</td><td>MISSED</td></tr>"))
    }
}
