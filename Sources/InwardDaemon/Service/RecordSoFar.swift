import InwardCore
import InwardLog
import InwardProtocol

/// What a resumed session needs from its own log: the last sequence number,
/// the marks and doses a correction may name, the first dose's time, and the
/// vital-sign alerts standing at the end (every reading replayed in order).
struct RecordSoFar {
    var lastSeq: Int64 = 0
    var correctable: Set<Int64> = []
    var doseTime: String?
    var readings: [(VitalSigns, afterDose: Bool)] = []
    /// The last event is `session.end`: the record is closed.
    var ended = false
    /// A `control.stop` since the session (re)started: the log says a stop
    /// was fading the session out, even when the daemon was killed before the
    /// saved state caught up with it.
    var stopRecorded = false
    /// Session seconds of the last event.
    var lastSeconds = 0.0

    /// Puts what the log says back into a resumed session.
    func restore(into active: SessionService.Active, plan: Plan) {
        active.correctable = correctable
        active.doseTime = doseTime
        for (reading, afterDose) in readings {
            active.alerts.record(reading, alerts: plan.vitalAlerts.alerts(for: reading, afterDose: afterDose))
        }
    }
}

extension SessionService {
    /// Reads session `id`'s log back (nothing when it has none).
    func recordSoFar(session id: String) -> RecordSoFar {
        var record = RecordSoFar()
        guard let log = logPath(of: id), let contents = try? LogReader.read(contentsOf: log) else { return record }
        var dosed = false
        for event in contents.events {
            let line = event.line
            record.lastSeq = line.seq
            record.lastSeconds = line.sessionSeconds
            record.ended = line.kind == "session.end"
            switch line.kind {
            case "control.stop":
                record.stopRecorded = true
            case "session.resume":
                record.stopRecorded = false
            case "dose":
                dosed = true
                record.doseTime = line.time
                record.correctable.insert(line.seq)
            case "booster":
                record.correctable.insert(line.seq)
            case "mark.vitals":
                record.correctable.insert(line.seq)
                var fields: JSONObject = [:]
                for field in VitalField.allCases { if let v = line.fields[field.rawValue] { fields[field.rawValue] = v } }
                if let reading = try? VitalSigns.parse(Self.markFields(fields)) { record.readings.append((reading, dosed)) }
            case let kind where kind.hasPrefix("mark.") && kind != "mark.correction":
                record.correctable.insert(line.seq)
            default:
                break
            }
        }
        return record
    }
}
