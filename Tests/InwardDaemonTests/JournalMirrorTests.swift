@testable import InwardDaemon
import InwardProtocol
import Testing

/// What the journal gets for each session event: pure field building (the
/// entries read back from a real journald are checked in InwardSystemTests).
@Suite("journal mirror")
struct JournalMirrorTests {
    func fields(_ event: JSONObject, room: String? = nil) -> [String: String] {
        Dictionary(JournalMirror.fields(event, session: "20261126-153012-7f3a", room: room).map { ($0.key, $0.value) },
                   uniquingKeysWith: { a, _ in a })
    }

    @Test("structured fields, T+ clock and priorities")
    func fieldsAndPriorities() {
        var dose = TimelineLogTests.event(7, "dose", fields: ["route": "im", "amount": "60 mg"])
        dose["t0_seconds"] = .number(0)
        let f = fields(dose, room: "room1")
        #expect(f["MESSAGE"] == "dose at T+00:00:00")
        #expect(f["INWARD_SESSION"] == "20261126-153012-7f3a")
        #expect(f["INWARD_EVENT"] == "dose")
        #expect(f["INWARD_PHASE"] == "arrival")
        #expect(f["INWARD_SEQ"] == "7")
        #expect(f["INWARD_ROOM"] == "room1")
        #expect(f["PRIORITY"] == "6")
        #expect(f["SYSLOG_IDENTIFIER"] == "inwardd")
        #expect(fields(dose)["INWARD_ROOM"] == nil)

        var vitals = TimelineLogTests.event(8, "mark.vitals", fields: ["systolic": 150, "diastolic": 95, "heart_rate": 88])
        vitals["t0_seconds"] = .number(750.4)
        #expect(fields(vitals)["MESSAGE"] == "mark vitals at T+00:12:30")

        let adverse = TimelineLogTests.event(9, "mark.adverse_event", fields: ["kind": "nausea", "severity": "mild"])
        #expect(fields(adverse)["PRIORITY"] == "4")
        #expect(fields(TimelineLogTests.event(1, "soundscape.takeover"))["PRIORITY"] == "4")
        #expect(fields(TimelineLogTests.event(1, "track.failed"))["PRIORITY"] == "4")
        #expect(fields(TimelineLogTests.event(1, "device.error"))["PRIORITY"] == "3")
        #expect(fields(TimelineLogTests.event(1, "session.end", fields: ["reason": "device error: EIO"]))["PRIORITY"] == "3")
        #expect(fields(TimelineLogTests.event(65, "control.pause", fields: ["by": "Dr Weber"]))["MESSAGE"]
                == "control pause at 00:01:05 into the session")
        #expect(fields(TimelineLogTests.event(5, "control.volume", fields: ["db": -3, "by": "Dr Weber"]))["MESSAGE"]
                == "volume -3 dB at 00:00:05 into the session")
        #expect(fields(TimelineLogTests.event(5, "phase.start"))["MESSAGE"] == "phase start arrival at 00:00:05 into the session")
    }

    /// Every field a person types or a clinician observes, in every event
    /// that can carry it: none of it may reach any journal field.
    @Test("no free text, dose amounts, observations, names or client codes in any field")
    func nothingPersonal() {
        let secrets: [(kind: String, fields: JSONObject)] = [
            ("session.start", ["plan": "im", "client": "C-0042-SECRET"]),
            ("mark.statement", ["text": "Anna said she saw her mother"]),
            ("mark.note", ["text": "NOTE-SECRET tearful"]),
            ("mark.adverse_event", ["kind": "KIND-SECRET", "severity": "SEVERITY-SECRET", "response": "RESPONSE-SECRET"]),
            ("mark.vitals", ["systolic": 151, "diastolic": 97, "heart_rate": 113, "spo2": 91]),
            ("dose", ["route": "ROUTE-SECRET", "amount": "AMOUNT-SECRET 0.75 mg/kg", "lot": "LOT-SECRET"]),
            ("booster", ["route": "ROUTE-SECRET", "amount": "AMOUNT-SECRET", "lot": "LOT-SECRET"]),
            ("control.pause", ["by": "BY-SECRET"]),
            ("control.hold", ["by": "BY-SECRET", "seconds": 300]),
            ("control.volume", ["by": "BY-SECRET", "db": -3]),
            ("track.failed", ["file": "/music/FILE-SECRET.flac", "title": "TITLE-SECRET", "reason": "REASON-SECRET"]),
            ("mark.other", ["text": "OTHER-SECRET", "reason": "CORRECTION-SECRET"]),
        ]
        for (seq, item) in secrets.enumerated() {
            let event = TimelineLogTests.event(Int64(seq + 1), item.kind, fields: item.fields)
            let all = JournalMirror.fields(event, session: "s", lineHash: "h", room: "room1")
                .map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            for word in ["SECRET", "Anna", "mother", "151", "97", "113", "91", "0.75"] {
                #expect(!all.contains(word), "\(item.kind): '\(word)' reached the journal:\n\(all)")
            }
        }
        let statement = fields(TimelineLogTests.event(3, "mark.statement", fields: ["text": "x"]))
        #expect(statement["MESSAGE"] == "mark statement at 00:00:03 into the session")
        let start = fields(TimelineLogTests.event(1, "session.start", fields: ["plan": "im", "client": "C-0042"]))
        #expect(start["MESSAGE"] == "session start: plan im at 00:00:01 into the session")
    }

    @Test("without a journal socket, sending does nothing and does not fail")
    func noJournal() {
        let mirror = JournalMirror(socketPath: "/nonexistent/journal/socket")
        #expect(!mirror.isAvailable)
        mirror.send(TimelineLogTests.event(1), session: "s")
    }
}
