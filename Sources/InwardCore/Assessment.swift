/// A clinical assessment during monitoring, as a REMS-style monitoring form
/// asks for it (the Spravato label's risks: sedation, dissociation,
/// respiratory depression): `inward mark assessment --sedation mild
/// --dissociation moderate --respiratory normal`.
///
/// All three are required, so a recorded assessment is always complete.
/// Values are words from fixed lists (any case); a free-text note travels
/// separately as the mark's text. Pure: no I/O.
public struct Assessment: Sendable, Equatable {
    /// How strong an effect is.
    public enum Level: String, Sendable, Equatable, CaseIterable {
        case none, mild, moderate, severe
    }

    /// Breathing as observed.
    public enum Respiratory: String, Sendable, Equatable, CaseIterable {
        case normal, depressed
    }

    public var sedation: Level
    public var dissociation: Level
    public var respiratory: Respiratory

    public init(sedation: Level, dissociation: Level, respiratory: Respiratory) {
        self.sedation = sedation
        self.dissociation = dissociation
        self.respiratory = respiratory
    }

    /// The field names, in the order the log records them.
    public static let fieldNames = ["sedation", "dissociation", "respiratory"]

    /// The assessment as the session log should record it, in `fieldNames` order.
    public var namedValues: [(name: String, value: String)] {
        [("sedation", sedation.rawValue), ("dissociation", dissociation.rawValue), ("respiratory", respiratory.rawValue)]
    }

    /// Parses the three fields as the CLI options give them (nil = not given).
    /// - Throws: `AssessmentInvalid` with every problem found.
    public static func parse(sedation: String?, dissociation: String?, respiratory: String?) throws(AssessmentInvalid) -> Assessment {
        var fields: [(key: String, value: MarkFieldValue)] = []
        if let sedation { fields.append(("sedation", .text(sedation))) }
        if let dissociation { fields.append(("dissociation", .text(dissociation))) }
        if let respiratory { fields.append(("respiratory", .text(respiratory))) }
        return try parse(fields)
    }

    /// Parses the fields of an `assessment` mark (`"fields"` of a Varlink `Mark` call).
    /// - Throws: `AssessmentInvalid` with every problem found: unknown or repeated
    ///   fields, values not in their list, missing fields.
    public static func parse(_ fields: [(key: String, value: MarkFieldValue)]) throws(AssessmentInvalid) -> Assessment {
        var problems: [AssessmentProblem] = []
        var sedation: Level?, dissociation: Level?, respiratory: Respiratory?
        var seen: Set<String> = []
        for (key, value) in fields {
            let name = VitalField.normalized(key)
            guard fieldNames.contains(name) else {
                problems.append(.unknownField(name: key, suggestion: NearestKey.nearest(to: key, in: fieldNames)))
                continue
            }
            guard seen.insert(name).inserted else {
                problems.append(.repeated(field: name))
                continue
            }
            let word: String? = if case .text(let text) = value { String(Substring(text.lowercased()).trimmingSpaces()) } else { nil }
            switch name {
            case "sedation":
                sedation = word.flatMap(Level.init(rawValue:))
                if sedation == nil { problems.append(.notAllowed(field: name, written: value.written, allowed: Level.allCases.map(\.rawValue))) }
            case "dissociation":
                dissociation = word.flatMap(Level.init(rawValue:))
                if dissociation == nil { problems.append(.notAllowed(field: name, written: value.written, allowed: Level.allCases.map(\.rawValue))) }
            default:
                respiratory = word.flatMap(Respiratory.init(rawValue:))
                if respiratory == nil { problems.append(.notAllowed(field: name, written: value.written, allowed: Respiratory.allCases.map(\.rawValue))) }
            }
        }
        for name in fieldNames where !seen.contains(name) { problems.append(.missing(field: name)) }
        guard problems.isEmpty, let sedation, let dissociation, let respiratory else { throw AssessmentInvalid(problems) }
        return Assessment(sedation: sedation, dissociation: dissociation, respiratory: respiratory)
    }
}

/// One reason an assessment was refused; `message` names the field, the value
/// given and the values allowed.
public enum AssessmentProblem: Sendable, Equatable, CustomStringConvertible {
    case unknownField(name: String, suggestion: String?)
    case repeated(field: String)
    case notAllowed(field: String, written: String, allowed: [String])
    case missing(field: String)

    /// The field the problem is about.
    public var field: String {
        switch self {
        case .unknownField(let name, _): name
        case .repeated(let field), .notAllowed(let field, _, _), .missing(let field): field
        }
    }

    public var message: String {
        switch self {
        case .unknownField(let name, let suggestion):
            let hint = suggestion.map { " (did you mean \($0)?)" } ?? ""
            return "unknown assessment field \"\(name)\"\(hint); an assessment has \(Assessment.fieldNames.joined(separator: ", "))"
        case .repeated(let field):
            return "\(field) is given more than once; give it once"
        case .notAllowed(let field, let written, let allowed):
            return "\(field) \(written) is not one of \(allowed.joined(separator: ", ")); use one, e.g. --\(field) \(allowed[0])"
        case .missing(let field):
            let allowed = field == "respiratory" ? Assessment.Respiratory.allCases.map(\.rawValue) : Assessment.Level.allCases.map(\.rawValue)
            return "missing \(field): an assessment records sedation, dissociation and respiratory; "
                + "add --\(field) \(allowed.joined(separator: "|"))"
        }
    }

    public var description: String { message }
}

/// An assessment that was refused, with every problem found in it.
public struct AssessmentInvalid: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [AssessmentProblem]

    public init(_ problems: [AssessmentProblem]) { self.problems = problems }

    public var description: String { problems.map(\.message).joined(separator: "\n") }
}
