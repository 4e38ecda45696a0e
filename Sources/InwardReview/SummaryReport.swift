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
            // The daemon logs codes (`spo2_low`, `systolic_high`): shown as words.
            if let s = v.stringValue { return s.contains(" ") ? s : s.replacingDashes() }
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
        var discharge: ReviewEvent?
        for e in t.events {
            let f = e.fields
            let by = Cell.text(who(f))
            /// A corrected entry keeps its row, marked, with what corrected it (the Corrections table has the rest).
            func marked(_ text: String?) -> Cell {
                guard !e.corrections.isEmpty else { return .text(text) }
                return .text("[CORRECTED #\(e.corrections.map { "\($0.seq)" }.joined(separator: ", #"))] " + (text ?? ""))
            }
            switch e.kind {
            case "dose", "booster":
                var devices = f["devices"].map(Format.value)
                if devices?.isEmpty == true { devices = nil }
                doses.rows.append([clockCell(e), wallCell(e), marked(e.kind == "dose" ? "dose (T0)" : "booster"),
                                   .text(f["route"]?.stringValue), .text(f["amount"].map(Format.value)), .text(devices),
                                   .text(f["lot"].map(Format.value)), by])
            case "mark.vitals":
                let reading = e.summary.hasPrefix("Vitals: ") ? String(e.summary.dropFirst(8)) : e.summary
                readings.rows.append([clockCell(e), wallCell(e), marked(reading),
                                      .text(alerts(f).isEmpty ? nil : alerts(f).joined(separator: "; ")), by])
            case "mark.adverse_event", "mark.adverse":
                adverse.rows.append([clockCell(e), wallCell(e), marked(f["kind"].map(Format.value) ?? f["text"]?.stringValue),
                                     .text(f["severity"].map(Format.value)), .text(f["response"].map(Format.value)), by])
            case "mark.assessment":
                let parts = f.filter { !["by", "user", "alert", "text", "note"].contains($0.key) }
                    .map { "\($0.key.replacingDashes()) \(Format.value($0.value))" }
                let note = (f["note"] ?? f["text"])?.stringValue
                assessments.rows.append([clockCell(e), wallCell(e),
                                         marked((parts + (note.map { ["note: \($0)"] } ?? [])).joined(separator: ", ")), by])
            case "mark.correction":
                let of = f["of"]?.int64Value
                let target = of.flatMap { seq in t.events.first { $0.seq == seq } }
                corrections.rows.append([clockCell(e), wallCell(e), Cell(of.map { "\($0)" } ?? "-", json: .optional(of.map { Int($0) })),
                                         // A statement or note is named, not quoted: the summary holds no free text.
                                         .text(target.map { ["mark.statement", "mark.note"].contains($0.kind)
                                             ? "\($0.clock) \(($0.markKind ?? $0.kind).replacingDashes())" : "\($0.clock) \($0.summary)" }),
                                         .text(f["reason"]?.stringValue), by])
            case "mark.ready_to_leave":
                leaving.rows.append([clockCell(e), wallCell(e), marked("ready to leave"), by])
            case "mark.discharge":
                leaving.rows.append([clockCell(e), wallCell(e), .text("discharged"), by])
                if discharge == nil { discharge = e }
            case "session.end" where f["reason"]?.stringValue == "discharged":
                var closed = "record closed: discharged"
                if f["early"]?.boolValue == true { closed += " EARLY" + (f["early_reason"]?.stringValue.map { " (\($0))" } ?? "") }
                leaving.rows.append([clockCell(e), wallCell(e), .text(closed), by])
                if discharge == nil { discharge = e }
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
        // Aftercare: the band from the end of the music to the discharge (ReviewTimeline.aftercare).
        var aftercare: Cell = .text(nil)
        var minimum: Cell = .text(nil)
        if let a = t.aftercare {
            let from = a.start, to = discharge?.sessionSeconds ?? a.end
            if a.discharged {
                aftercare = Cell(SessionClock.length(to - from) + " (from \(t.clock(sessionSeconds: from)) to \(t.clock(sessionSeconds: to)))",
                                 json: .number(((to - from) * 10).rounded() / 10))
            } else {
                aftercare = Cell("no discharge recorded (music ended \(t.clock(sessionSeconds: from)))", json: .null)
            }
            if let m = a.minAfterDoseSeconds, let t0 = t.t0 {
                // Against the plan's minimum after the first dose, on the T+ clock.
                var text = "\(SessionClock.length(m)) after the dose"
                if a.discharged {
                    let since = to - t0
                    text += a.early ? ": discharged EARLY at \(SessionClock.t(since))" + (a.earlyReason.map { " (\($0))" } ?? "")
                        : since + 1e-6 >= m ? ": met, discharged at \(SessionClock.t(since))" : ": NOT met, discharged at \(SessionClock.t(since))"
                }
                minimum = Cell(text, json: .number((m * 10).rounded() / 10))
            }
        }
        var facts = t.documentFacts
        facts.insert(("route", "Route", .text(t.route)), at: 3)
        facts.append(("ended", "Ended", Cell((t.localDateTime(t.endTime) ?? "no end recorded") + (t.endReason.map { " (\($0))" } ?? ""),
                                             json: .optional(t.endTime))))
        facts.append(("end_reason", "End reason", .text(t.endReason)))
        facts.append(("aftercare_seconds", "Aftercare", aftercare))
        if t.aftercare?.minAfterDoseSeconds != nil { facts.append(("min_after_dose_seconds", "Plan minimum", minimum)) }
        if t.aftercare?.discharged == true {
            facts.append(("discharged_early", "Early", Cell(t.aftercare?.early == true ? "yes" : "no", json: .bool(t.aftercare?.early == true))))
        }
        let missed = t.vitals.filter { $0.takenT0Seconds == nil }.count
        if !t.vitals.isEmpty {
            facts.append(("vitals_missed", "Vitals missed", Cell("\(missed) of \(t.vitals.count)", json: .integer(Int64(missed)))))
        }
        return ReportDocument(kind: "summary", title: "Aftercare summary" + (t.client.map { " · \($0)" } ?? ""), facts: facts,
                              tables: [doses, schedule, readings, assessments, adverse, alertTable, corrections, leaving])
    }
}
