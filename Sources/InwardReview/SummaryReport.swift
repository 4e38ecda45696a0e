import InwardCore
import InwardProtocol

/// `--report summary`: the aftercare summary. Client code, plan, route, each
/// dose and booster (time, amount, lot, who), T0, every vital sign the plan
/// asked for with its reading or MISSING, every reading, adverse events,
/// assessments, alerts, corrections, ready-to-leave and discharge times, and
/// how long aftercare lasted. Fields later daemons add (`alert`, `user`,
/// `mark.assessment`, `mark.correction`) are read leniently: shown when present.
enum SummaryReport {
    static func who(_ f: JSONObject) -> String? {
        let parts = [f["user"]?.stringValue, f["by"]?.stringValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " / ")
    }

    /// The alert(s) an event carries: a string, an object or an array of them.
    static func alerts(_ f: JSONObject) -> [String] {
        guard let a = f["alert"] ?? f["alerts"], !a.isNull else { return [] }
        func text(_ v: JSONValue) -> String? {
            if let s = v.stringValue { return s }
            if let o = v.objectValue {
                if let m = o["message"]?.stringValue { return m }
                return o.map { "\($0.key) \(Format.value($0.value))" }.joined(separator: ", ")
            }
            if v.boolValue == true { return "alert" }
            return v.isNull ? nil : Format.value(v)
        }
        if let list = a.arrayValue { return list.compactMap(text) }
        if a.boolValue == false { return [] }
        return text(a).map { [$0] } ?? []
    }

    static func document(_ t: ReviewTimeline) -> ReportDocument {
        typealias Cell = ReportDocument.Cell
        func clockCell(_ e: ReviewEvent) -> Cell { .text(e.clock) }
        func wallCell(_ e: ReviewEvent) -> Cell { Cell(t.localTime(e.time), json: .string(e.time)) }
        let clockCols: [ReportDocument.Column] = [.init("clock", "Time"), .init("time", "Wall clock")]

        var doses = ReportDocument.Table(key: "doses", title: "Doses and boosters",
                                         columns: clockCols + [.init("kind", "Kind"), .init("route", "Route"), .init("amount", "Amount"),
                                                               .init("devices", "Devices"), .init("lot", "Lot"), .init("by", "By")],
                                         empty: "No dose was recorded.")
        var readings = ReportDocument.Table(key: "vitals", title: "Vital signs taken",
                                            columns: clockCols + [.init("reading", "Reading"), .init("alert", "Alert"), .init("by", "By")],
                                            empty: "No vital signs were recorded.")
        var adverse = ReportDocument.Table(key: "adverse_events", title: "Adverse events",
                                           columns: clockCols + [.init("event", "Event"), .init("severity", "Severity"),
                                                                 .init("response", "Response"), .init("by", "By")],
                                           empty: "No adverse event was recorded.")
        var assessments = ReportDocument.Table(key: "assessments", title: "Assessments",
                                               columns: clockCols + [.init("assessment", "Assessment"), .init("by", "By")],
                                               empty: "No assessment was recorded.")
        var alertTable = ReportDocument.Table(key: "alerts", title: "Alerts",
                                          columns: clockCols + [.init("event", "On"), .init("alert", "Alert")],
                                          empty: "No alert was raised.")
        var corrections = ReportDocument.Table(key: "corrections", title: "Corrections",
                                               columns: clockCols + [.init("of_seq", "Of seq"), .init("of", "Corrects"),
                                                                     .init("reason", "Reason"), .init("by", "By")],
                                               empty: "No correction was recorded.")
        var leaving = ReportDocument.Table(key: "leaving", title: "Leaving",
                                           columns: clockCols + [.init("event", "Event"), .init("by", "By")],
                                           empty: "Neither ready-to-leave nor discharge was recorded.")
        var aftercareStart: ReviewEvent?
        var discharge: ReviewEvent?
        for e in t.events {
            let f = e.fields
            let by = Cell.text(who(f))
            switch e.kind {
            case "dose", "booster":
                var devices = f["devices"].map(Format.value)
                if devices?.isEmpty == true { devices = nil }
                doses.rows.append([clockCell(e), wallCell(e), .text(e.kind == "dose" ? "dose (T0)" : "booster"),
                                   .text(f["route"]?.stringValue), .text(f["amount"].map(Format.value)), .text(devices),
                                   .text(f["lot"].map(Format.value)), by])
            case "mark.vitals":
                let reading = e.summary.hasPrefix("Vitals: ") ? String(e.summary.dropFirst(8)) : e.summary
                readings.rows.append([clockCell(e), wallCell(e), .text(reading),
                                      .text(alerts(f).isEmpty ? nil : alerts(f).joined(separator: "; ")), by])
            case "mark.adverse_event", "mark.adverse":
                adverse.rows.append([clockCell(e), wallCell(e), .text(f["kind"].map(Format.value) ?? f["text"]?.stringValue),
                                     .text(f["severity"].map(Format.value)), .text(f["response"].map(Format.value)), by])
            case "mark.assessment":
                let parts = f.filter { !["by", "user", "alert", "text", "note"].contains($0.key) }
                    .map { "\($0.key.replacingDashes()) \(Format.value($0.value))" }
                let note = (f["note"] ?? f["text"])?.stringValue
                assessments.rows.append([clockCell(e), wallCell(e),
                                         .text((parts + (note.map { ["note: \($0)"] } ?? [])).joined(separator: ", ")), by])
            case "mark.correction":
                let of = f["of"]?.int64Value
                let target = of.flatMap { seq in t.events.first { $0.seq == seq } }
                corrections.rows.append([clockCell(e), wallCell(e), Cell(of.map { "\($0)" } ?? "-", json: .optional(of.map { Int($0) })),
                                         .text(target.map { "\($0.clock) \($0.summary)" }),
                                         .text(f["reason"]?.stringValue), by])
            case "mark.ready_to_leave":
                leaving.rows.append([clockCell(e), wallCell(e), .text("ready to leave"), by])
            case "mark.discharge":
                leaving.rows.append([clockCell(e), wallCell(e), .text("discharged"), by])
                if discharge == nil { discharge = e }
            case "session.end" where f["reason"]?.stringValue == "discharged":
                leaving.rows.append([clockCell(e), wallCell(e), .text("record closed: discharged"), by])
                if discharge == nil { discharge = e }
            case "control.stop" where t.t0 != nil && e.sessionSeconds >= t.t0! && aftercareStart == nil:
                aftercareStart = e
            default:
                break
            }
            for a in e.alerts {
                alertTable.rows.append([clockCell(e), wallCell(e), .text(e.markKind ?? e.kind), .text(a)])
            }
        }
        // The vitals the plan asked for, each with its reading or MISSING.
        var schedule = ReportDocument.Table(key: "vitals_schedule", title: "Vital signs the plan asked for",
                                            columns: [.init("due", "Due"), .init("outcome", "Reading"), .init("values", "Values")],
                                            empty: "The log holds no vitals schedule (session.start `vitals`).")
        let vitalsEvents = t.events.filter { $0.kind == "mark.vitals" }
        for o in t.vitals {
            let (due, outcome) = ReviewTimeline.vitalsLine(o)
            let reading = o.takenT0Seconds.flatMap { taken in vitalsEvents.first { abs(($0.t0Seconds ?? .nan) - taken) < 1e-6 } }
            schedule.rows.append([ReportDocument.Cell(due, json: .optional(o.t0Seconds)), .text(reading == nil ? "MISSING" : outcome),
                                  .text(reading.map { $0.summary.hasPrefix("Vitals: ") ? String($0.summary.dropFirst(8)) : $0.summary })])
        }
        // Aftercare: from the end of the music (stop after the dose, else the last phase's end) to discharge.
        let musicEnd = aftercareStart?.sessionSeconds ?? (t.t0 != nil ? t.phases.last?.end : nil)
        var aftercare: Cell = .text(nil)
        if let from = musicEnd, let to = discharge?.sessionSeconds, to >= from {
            aftercare = Cell(SessionClock.length(to - from) + " (from \(t.clock(sessionSeconds: from)) to \(t.clock(sessionSeconds: to)))",
                             json: .number(((to - from) * 10).rounded() / 10))
        } else if let from = musicEnd {
            aftercare = Cell("no discharge recorded (music ended \(t.clock(sessionSeconds: from)))", json: .null)
        }
        var facts = t.documentFacts
        facts.insert(("route", "Route", .text(t.route)), at: 3)
        facts.append(("ended", "Ended", Cell((t.localDateTime(t.endTime) ?? "no end recorded") + (t.endReason.map { " (\($0))" } ?? ""),
                                             json: .optional(t.endTime))))
        facts.append(("end_reason", "End reason", .text(t.endReason)))
        facts.append(("aftercare_seconds", "Aftercare", aftercare))
        let missed = t.vitals.filter { $0.takenT0Seconds == nil }.count
        if !t.vitals.isEmpty {
            facts.append(("vitals_missed", "Vitals missed", Cell("\(missed) of \(t.vitals.count)", json: .integer(Int64(missed)))))
        }
        return ReportDocument(kind: "summary", title: "Aftercare summary" + (t.client.map { " · \($0)" } ?? ""), facts: facts,
                              tables: [doses, schedule, readings, assessments, adverse, alertTable, corrections, leaving])
    }
}
