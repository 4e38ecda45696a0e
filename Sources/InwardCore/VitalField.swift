/// One measured vital sign, with its unit and the values it can physically take.
///
/// The raw value is the field's name in marks, the session log and plans.
/// The possible ranges are deliberately wide: they catch slips (1200 for 120,
/// 0.97 for 97 %, °F for °C), not unusual clients. Any value inside is recorded,
/// however abnormal; `VitalAlerts` decides whether it raises an alert.
/// (docs/clinical-defaults.md lists both, with reasons.)
public enum VitalField: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    case systolic
    case diastolic
    case heartRate = "heart_rate"
    case spo2
    case respiratoryRate = "respiratory_rate"
    case temperature

    /// The unit values are given in, for messages and docs.
    public var unit: String {
        switch self {
        case .systolic, .diastolic: "mmHg"
        case .heartRate, .respiratoryRate: "/min"
        case .spo2: "%"
        case .temperature: "°C"
        }
    }

    /// The values the field can physically take; outside it a value is refused.
    public var possible: ClosedRange<Double> {
        switch self {
        case .systolic: 40...300
        case .diastolic: 20...200
        case .heartRate: 20...300
        case .spo2: 50...100
        case .respiratoryRate: 0...60
        case .temperature: 30...45
        }
    }

    /// A typical value, for examples in messages.
    var example: String {
        switch self {
        case .systolic: "120"
        case .diastolic: "80"
        case .heartRate: "72"
        case .spo2: "97"
        case .respiratoryRate: "14"
        case .temperature: "36.8"
        }
    }

    /// Unit suffixes a written value may carry (`97%`, `36.8C`, `72bpm`), lower case.
    var suffixes: [String] {
        switch self {
        case .systolic, .diastolic: ["mmhg"]
        case .heartRate: ["bpm", "/min"]
        case .respiratoryRate: ["/min"]
        case .spo2: ["%"]
        case .temperature: ["°c", "c"]
        }
    }

    /// Short names accepted for a field, besides its own (`bp` is a pair, see `VitalSigns`).
    public static let aliases: [String: VitalField] = [
        "sys": .systolic, "dia": .diastolic, "hr": .heartRate, "pulse": .heartRate,
        "rr": .respiratoryRate, "temp": .temperature,
    ]

    /// The name of the blood-pressure pair, `bp=SYSTOLIC/DIASTOLIC`.
    public static let bloodPressure = "bp"

    /// Every name a reading accepts, canonical names first.
    public static var acceptedNames: [String] {
        allCases.map(\.rawValue) + [bloodPressure] + aliases.keys.sorted()
    }

    /// The field a written name means (any case, `-` for `_`), or nil.
    static func named(_ name: String) -> VitalField? {
        let key = normalized(name)
        return VitalField(rawValue: key) ?? aliases[key]
    }

    /// Lower case, `-` as `_`, without surrounding spaces.
    static func normalized(_ name: String) -> String {
        String(Substring(name).trimmingSpaces().lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// "40 to 300 mmHg".
    var rangeText: String {
        "\(MarkFieldValue.show(possible.lowerBound)) to \(MarkFieldValue.show(possible.upperBound)) \(unit)"
    }

    /// "120 mmHg", "97 %", "36.8 °C".
    func show(_ value: Double) -> String { "\(MarkFieldValue.show(value)) \(unit)" }

    public static func < (a: VitalField, b: VitalField) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
