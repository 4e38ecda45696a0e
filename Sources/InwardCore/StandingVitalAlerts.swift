/// The vital-sign alerts status shows: each stands until a later reading of
/// its field is normal.
///
/// Per field, the latest reading decides: a reading that measures a field
/// replaces that field's alerts with the ones it raised (none when normal); a
/// field it does not measure keeps its alert (a heart-rate-only reading does
/// not clear a high blood pressure). Rebuilt on resume by recording the
/// session's readings again in order. Pure value; the daemon keeps one per
/// session under its own lock.
public struct StandingVitalAlerts: Sendable, Equatable {
    /// The alerts standing now, in field order.
    public private(set) var alerts: [VitalAlert] = []

    public init() {}

    /// Takes in a reading and the alerts it raised (`VitalAlerts.alerts(for:afterDose:)`).
    public mutating func record(_ reading: VitalSigns, alerts raised: [VitalAlert]) {
        let measured = Set(reading.fields)
        alerts = (alerts.filter { !measured.contains($0.field) } + raised.filter { measured.contains($0.field) })
            .sorted { $0.field < $1.field }
    }

    public var isEmpty: Bool { alerts.isEmpty }
}
