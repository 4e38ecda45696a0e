@testable import InwardTestSupport
import InwardLog
import InwardProtocol
import InwardReview
import Testing

/// `user`, the login the daemon took from the control socket, on every dose,
/// mark and control: each report format shows who did what, beside the free
/// `--by` note when there is one.
@Suite("Review: who did it")
struct ReviewUserTests {
    /// The synthetic session with a login on its dose, marks, controls and end.
    static let timeline: ReviewTimeline = {
        let who: [String: String] = ["dose": "staff-a", "mark.vitals": "staff-b", "mark.eyeshades_on": "staff-c",
                                     "control.stop": "staff-d", "session.end": "staff-e", "mark.statement": "staff-f"]
        let events = SyntheticSession.events.map { e in
            var e = e
            if let user = who[e.kind] { e.fields["user"] = .string(user) }
            return e
        }
        return ReviewTimeline(LogReader.read(SyntheticSession.bytes(SyntheticSession.lines(events))))
    }()

    @Test("text and HTML name the user on doses, marks, controls and the end; --by stays beside it")
    func textAndHTML() {
        let text = Self.timeline.report(.text)
        let html = Self.timeline.report(.html)
        for fragment in ["DOSE (T0): IM, 0.5 mg/kg, lot L2291 (by staff-a)", "(by staff-b)", "Eyeshades on (by staff-c)",
                         "Stop (by staff-d / therapist)", "Session ended: stopped (by staff-e)", "(by staff-f)"] {
            #expect(text.contains(fragment), "text lacks '\(fragment)':\n\(text)")
            #expect(html.contains(fragment), "HTML lacks '\(fragment)'")
        }
        // Events without a user read as before.
        #expect(text.contains("Music paused (by client)"), "\(text)")
    }

    @Test("CSV and JSON carry user in each event's fields and in its summary")
    func csvAndJSON() throws {
        let csv = Self.timeline.report(.csv)
        let stop = try #require(csv.split(separator: "\r\n").first { $0.contains(",control.stop,") })
        #expect(stop.contains("Stop (by staff-d / therapist)") && stop.contains(#"""user"":""staff-d"""#), "\(stop)")
        let json = try JSONValue.parse(Self.timeline.report(.json))
        let events = try #require(json["events"]?.arrayValue)
        let dose = try #require(events.first { $0["kind"]?.stringValue == "dose" })
        #expect(dose["fields"]?["user"]?.stringValue == "staff-a", "\(dose)")
        #expect(dose["summary"]?.stringValue?.hasSuffix("(by staff-a)") == true, "\(dose)")
    }
}
