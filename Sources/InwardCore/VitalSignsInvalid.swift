/// One reason a vital-signs reading was refused. Its `message` names the field,
/// the value as given and what is allowed, and says what to do.
public enum VitalSignsProblem: Sendable, Equatable, CustomStringConvertible {
    /// A vitals mark with no field at all.
    case noFields
    /// A field name that is not a vital sign (with the nearest known name, if close).
    case unknownField(name: String, suggestion: String?)
    /// A `--field` argument without `=`.
    case notKeyValue(written: String)
    /// A value that is not a number (`written` as given, quoted when it was text).
    case notANumber(field: VitalField, written: String)
    /// A number outside the field's physically possible range.
    case outOfRange(field: VitalField, value: Double)
    /// A temperature given in °F (`98.6F`); readings are in °C.
    case fahrenheit(value: Double)
    /// `bp` that is not `SYSTOLIC/DIASTOLIC`.
    case notABloodPressure(written: String)
    /// The same field given more than once, under these names (`systolic`, `bp`).
    case repeated(field: VitalField, names: [String])
    /// Diastolic at or above systolic: swapped, or a slip.
    case diastolicNotBelowSystolic(systolic: Double, diastolic: Double)

    /// The field the problem is about, as a name for an error's parameter;
    /// nil when it is about the reading as a whole.
    public var field: String? {
        switch self {
        case .noFields, .notKeyValue: nil
        case .unknownField(let name, _): name
        case .notANumber(let field, _), .outOfRange(let field, _), .repeated(let field, _): field.rawValue
        case .fahrenheit: VitalField.temperature.rawValue
        case .notABloodPressure: VitalField.bloodPressure
        case .diastolicNotBelowSystolic: VitalField.diastolic.rawValue
        }
    }

    public var message: String {
        switch self {
        case .noFields:
            return "a vitals reading needs at least one field, e.g. --field bp=120/80 --field heart_rate=72 --field spo2=97; "
                + "fields: \(Self.fieldList)"
        case .unknownField(let name, let suggestion):
            let hint = suggestion.map { " (did you mean \($0)?)" } ?? ""
            return "unknown vital sign \"\(name)\"\(hint); use one of \(Self.fieldList)"
        case .notKeyValue(let written):
            return "\"\(written)\" is not a field: write name=value, e.g. heart_rate=72"
        case .notANumber(let field, let written):
            return "\(field.rawValue) \(written) is not a number; write a number of \(field.unit) "
                + "from \(field.rangeText), e.g. \(field.rawValue)=\(field.example)"
        case .outOfRange(let field, let value):
            return "\(field.rawValue) \(field.show(value)) is outside \(field.rangeText), the values it can physically take"
                + Self.slipHint(field, value) + "; check the reading and enter it again"
        case .fahrenheit(let value):
            let field = VitalField.temperature, c = Self.celsius(value)
            let advice = field.possible.contains(Double(c) ?? .nan)
                ? "\(MarkFieldValue.show(value)) °F is \(c) °C, so write temperature=\(c)" : "enter the reading in °C"
            return "temperature \(MarkFieldValue.show(value)) °F: readings are in °C (\(field.rangeText)); \(advice)"
        case .notABloodPressure(let written):
            return "bp \(written) is not a blood pressure; write SYSTOLIC/DIASTOLIC in mmHg, e.g. bp=120/80 "
                + "(systolic \(VitalField.systolic.rangeText), diastolic \(VitalField.diastolic.rangeText))"
        case .repeated(let field, let names):
            return "\(field.rawValue) is given more than once (as \(names.joined(separator: ", "))); give it once"
        case .diastolicNotBelowSystolic(let sys, let dia):
            return "diastolic \(MarkFieldValue.show(dia)) mmHg is not below systolic \(MarkFieldValue.show(sys)) mmHg; "
                + "swapped? write bp=SYSTOLIC/DIASTOLIC, the higher first, e.g. bp=120/80"
        }
    }

    public var description: String { message }

    private static var fieldList: String {
        VitalField.allCases.map(\.rawValue).joined(separator: ", ") + ", bp (SYSTOLIC/DIASTOLIC); short: "
            + VitalField.aliases.keys.sorted().joined(separator: ", ")
    }

    /// The likely slip behind an impossible value, when there is one.
    private static func slipHint(_ field: VitalField, _ value: Double) -> String {
        switch field {
        case .spo2 where value > 0 && value <= 1:
            return " (a fraction? SpO2 is a percentage: write \(MarkFieldValue.show((value * 100).rounded())), not \(MarkFieldValue.show(value)))"
        case .temperature where (86...113).contains(value):
            return " (°F? \(MarkFieldValue.show(value)) °F is \(celsius(value)) °C)"
        default:
            return ""
        }
    }

    /// °F to °C, rounded to a tenth.
    private static func celsius(_ f: Double) -> String {
        MarkFieldValue.show(((f - 32) * 5 / 9 * 10).rounded() / 10)
    }
}

/// A vital-signs reading that was refused, with every problem found in it.
public struct VitalSignsInvalid: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [VitalSignsProblem]

    public init(_ problems: [VitalSignsProblem]) { self.problems = problems }

    /// One line per problem.
    public var description: String { problems.map(\.message).joined(separator: "\n") }
}
