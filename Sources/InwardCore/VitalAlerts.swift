/// One alert limit a plan can set in `[vitals.alerts]`: which field, which way,
/// when it applies, its default and where the default comes from.
///
/// The rule is the same for every limit: a reading **at or above** a `_max`
/// limit, or **below** a `_min` limit, raises an alert. So the defaults are the
/// numbers of their sources: `systolic_max = 140` alerts at 140 mmHg ("BP at or
/// above 140/90 before the dose"), `spo2_min = 92` alerts at 91 % ("SpO2 below
/// 92 %"). docs/clinical-defaults.md lists them with their sources.
public enum VitalLimit: String, Sendable, Equatable, Hashable, CaseIterable {
    case systolicMax = "systolic_max"
    case diastolicMax = "diastolic_max"
    case systolicMaxAfterDose = "systolic_max_after_dose"
    case diastolicMaxAfterDose = "diastolic_max_after_dose"
    case systolicMin = "systolic_min"
    case heartRateMin = "heart_rate_min"
    case heartRateMax = "heart_rate_max"
    case spo2Min = "spo2_min"
    case respiratoryRateMin = "respiratory_rate_min"
    case respiratoryRateMax = "respiratory_rate_max"
    case temperatureMin = "temperature_min"
    case temperatureMax = "temperature_max"

    /// Which way a reading crosses a limit.
    public enum Bound: String, Sendable, Equatable {
        /// At or above the limit.
        case high
        /// Below the limit.
        case low
    }

    /// When in the session a limit applies.
    public enum When: String, Sendable, Equatable {
        case always
        case beforeDose = "before_dose"
        case afterDose = "after_dose"
    }

    public var field: VitalField {
        switch self {
        case .systolicMax, .systolicMaxAfterDose, .systolicMin: .systolic
        case .diastolicMax, .diastolicMaxAfterDose: .diastolic
        case .heartRateMin, .heartRateMax: .heartRate
        case .spo2Min: .spo2
        case .respiratoryRateMin, .respiratoryRateMax: .respiratoryRate
        case .temperatureMin, .temperatureMax: .temperature
        }
    }

    public var bound: Bound {
        switch self {
        case .systolicMax, .diastolicMax, .systolicMaxAfterDose, .diastolicMaxAfterDose,
             .heartRateMax, .respiratoryRateMax, .temperatureMax: .high
        case .systolicMin, .heartRateMin, .spo2Min, .respiratoryRateMin, .temperatureMin: .low
        }
    }

    public var when: When {
        switch self {
        case .systolicMax, .diastolicMax: .beforeDose
        case .systolicMaxAfterDose, .diastolicMaxAfterDose: .afterDose
        default: .always
        }
    }

    /// The limit when the plan does not set it.
    public var defaultValue: Double {
        switch self {
        case .systolicMax: 140           // Spravato label: baseline above 140/90, weigh the risk of a rise
        case .diastolicMax: 90
        case .systolicMaxAfterDose: 180  // ESC/ESH 2018: grade 3 hypertension, 180/110 and above
        case .diastolicMaxAfterDose: 110
        case .systolicMin: 90            // hypotension; NEWS2 scores 90 mmHg or less 3
        case .heartRateMin: 41           // NEWS2 scores 40 /min or less 3
        case .heartRateMax: 131          // NEWS2 scores 131 /min or more 3
        case .spo2Min: 92                // NEWS2 (scale 1) scores 91 % or less 3
        case .respiratoryRateMin: 9      // NEWS2 scores 8 /min or less 3: respiratory depression
        case .respiratoryRateMax: 25     // NEWS2 scores 25 /min or more 3
        case .temperatureMin: 35         // hypothermia: below 35 °C
        case .temperatureMax: 38         // fever: 38 °C or more
        }
    }

    /// "at or above 140 mmHg before the dose".
    func rule(_ limit: Double) -> String {
        let side = bound == .high ? "at or above" : "below"
        let time = switch when {
        case .always: ""
        case .beforeDose: " before the dose"
        case .afterDose: " after the dose"
        }
        return "\(side) \(field.show(limit))\(time)"
    }
}

/// The alert limits of a session: the defaults, or a plan's `[vitals.alerts]`.
/// Turns a valid reading into the alerts it raises. Pure: no I/O, no clock
/// (whether the dose has been given is an input).
public struct VitalAlerts: Sendable, Equatable {
    private var limits: [VitalLimit: Double] = [:]

    /// Every limit at its default.
    public static let defaults = VitalAlerts()

    public init() {}

    /// The limit in force (the plan's, or the default).
    public subscript(limit: VitalLimit) -> Double {
        get { limits[limit] ?? limit.defaultValue }
        set { limits[limit] = newValue == limit.defaultValue ? nil : newValue }
    }

    /// The limits a plan changed from their defaults.
    public var overrides: [VitalLimit: Double] { limits }

    /// The alerts `reading` raises, in field order; empty when it is normal.
    /// - Parameter afterDose: whether the first dose was marked before the reading.
    public func alerts(for reading: VitalSigns, afterDose: Bool) -> [VitalAlert] {
        var out: [VitalAlert] = []
        for limit in VitalLimit.allCases {
            guard let value = reading[limit.field] else { continue }
            switch limit.when {
            case .always: break
            case .beforeDose: if afterDose { continue }
            case .afterDose: if !afterDose { continue }
            }
            let threshold = self[limit]
            let crossed = limit.bound == .high ? value >= threshold : value < threshold
            if crossed { out.append(VitalAlert(limit: limit, value: value, threshold: threshold, afterDose: afterDose)) }
        }
        return out.sorted { $0.field < $1.field }
    }
}

/// One abnormal value of a reading: recorded, never refused; the CLI shows it,
/// status keeps it until a later reading of the field is normal
/// (`StandingVitalAlerts`), the log carries it, the review marks it.
public struct VitalAlert: Sendable, Equatable, CustomStringConvertible {
    /// The limit crossed (its field, direction and plan key).
    public var limit: VitalLimit
    /// The reading's value.
    public var value: Double
    /// The limit's value in force when the reading was taken.
    public var threshold: Double
    /// Whether the reading came after the first dose.
    public var afterDose: Bool

    public init(limit: VitalLimit, value: Double, threshold: Double, afterDose: Bool) {
        self.limit = limit
        self.value = value
        self.threshold = threshold
        self.afterDose = afterDose
    }

    public var field: VitalField { limit.field }

    /// "systolic_high", "spo2_low": a stable name for logs and reports.
    public var code: String { "\(field.rawValue)_\(limit.bound.rawValue)" }

    /// "systolic 230 mmHg is at or above 140 mmHg before the dose".
    public var description: String {
        "\(field.rawValue) \(field.show(value)) is \(limit.rule(threshold))"
    }
}
