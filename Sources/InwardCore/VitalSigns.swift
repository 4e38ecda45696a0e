/// One vital-signs reading, typed and checked: every value is a number of its
/// field's unit and physically possible (`VitalField.possible`).
///
/// Built only by `parse`, from the fields of a `vitals` mark. A value that is
/// possible but abnormal (systolic 230) is accepted: `VitalAlerts` turns it
/// into an alert; refusing it would lose the reading that matters most.
///
/// Names (any case, `-` or `_`): `systolic`, `diastolic`, `heart_rate`, `spo2`,
/// `respiratory_rate`, `temperature`; the short forms `sys`, `dia`, `hr`,
/// `pulse`, `rr`, `temp`; and `bp=120/80` for systolic and diastolic together.
/// A value may carry its own unit: `97%`, `36.8C`, `72bpm`, `120/80mmHg`.
/// Pure: no I/O.
public struct VitalSigns: Sendable, Equatable {
    /// The measured values by field.
    public private(set) var values: [VitalField: Double]

    /// The value of `field`, if it was measured.
    public subscript(field: VitalField) -> Double? { values[field] }

    /// The measured fields in their canonical order (systolic first).
    public var fields: [VitalField] { values.keys.sorted() }

    /// The reading as the session log should record it: canonical names and
    /// numbers, in canonical order.
    public var namedValues: [(name: String, value: Double)] {
        fields.map { ($0.rawValue, values[$0]!) }
    }

    /// Parses `key=value` texts as the CLI takes them (`--field bp=120/80`).
    /// - Throws: `VitalSignsInvalid` with every problem found.
    public static func parse(arguments: [String]) throws(VitalSignsInvalid) -> VitalSigns {
        var pairs: [(String, MarkFieldValue)] = []
        var problems: [VitalSignsProblem] = []
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else {
                problems.append(.notKeyValue(written: argument))
                continue
            }
            pairs.append((String(argument[..<eq]), .text(String(argument[argument.index(after: eq)...]))))
        }
        do {
            let reading = try parse(pairs)
            if problems.isEmpty { return reading }
        } catch {
            problems += error.problems.filter { $0 != .noFields || problems.isEmpty }
        }
        throw VitalSignsInvalid(problems)
    }

    /// Parses the fields of a mark in the order given (`"fields"` of a Varlink
    /// `Mark` call, each value mapped to `MarkFieldValue`).
    /// - Throws: `VitalSignsInvalid` with every problem found, in input order.
    public static func parse(_ fields: [(key: String, value: MarkFieldValue)]) throws(VitalSignsInvalid) -> VitalSigns {
        var problems: [VitalSignsProblem] = []
        var values: [VitalField: Double] = [:]
        var names: [VitalField: [String]] = [:]
        if fields.isEmpty { problems.append(.noFields) }

        func take(_ field: VitalField, _ value: Double, as name: String) {
            names[field, default: []].append(name)
            if names[field]!.count == 2 { problems.append(.repeated(field: field, names: names[field]!)) }
            if names[field]!.count > 1 { return }
            guard field.possible.contains(value) else {
                problems.append(.outOfRange(field: field, value: value))
                return
            }
            values[field] = value
        }

        for (key, value) in fields {
            if VitalField.normalized(key) == VitalField.bloodPressure {
                guard case .text(let text) = value, let (sys, dia) = bloodPressure(text) else {
                    problems.append(.notABloodPressure(written: value.written))
                    continue
                }
                take(.systolic, sys, as: key)
                take(.diastolic, dia, as: key)
                continue
            }
            guard let field = VitalField.named(key) else {
                problems.append(.unknownField(name: key, suggestion: NearestKey.nearest(to: key, in: VitalField.acceptedNames)))
                continue
            }
            switch number(value, for: field) {
            case .value(let x): take(field, x, as: key)
            case .refused(let problem): problems.append(problem)
            }
        }
        if let sys = values[.systolic], let dia = values[.diastolic], dia >= sys {
            problems.append(.diastolicNotBelowSystolic(systolic: sys, diastolic: dia))
        }
        guard problems.isEmpty else { throw VitalSignsInvalid(problems) }
        return VitalSigns(values: values)
    }

    // MARK: Values

    private enum Number {
        case value(Double)
        case refused(VitalSignsProblem)
    }

    private static func number(_ value: MarkFieldValue, for field: VitalField) -> Number {
        switch value {
        case .number(let x):
            return x.isFinite ? .value(x) : .refused(.notANumber(field: field, written: value.written))
        case .other:
            return .refused(.notANumber(field: field, written: value.written))
        case .text(let text):
            var body = Substring(text.lowercased()).trimmingSpaces()
            if field == .temperature, body.hasSuffix("f"), let f = decimal(body.dropLast().trimmingSpaces().trimmingSuffix("°").trimmingSpaces()) {
                return .refused(.fahrenheit(value: f))
            }
            if let suffix = field.suffixes.first(where: { body.hasSuffix($0) }) {
                body = body.dropLast(suffix.count).trimmingSpaces()
            }
            guard let x = decimal(body) else { return .refused(.notANumber(field: field, written: value.written)) }
            return .value(x)
        }
    }

    /// `120/80`, `120 / 80`, `120/80 mmHg`.
    private static func bloodPressure(_ text: String) -> (Double, Double)? {
        var body = Substring(text.lowercased()).trimmingSpaces()
        if body.hasSuffix("mmhg") { body = body.dropLast(4).trimmingSpaces() }
        let parts = body.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let sys = decimal(parts[0].trimmingSpaces()), let dia = decimal(parts[1].trimmingSpaces()) else {
            return nil
        }
        return (sys, dia)
    }

    /// A plain decimal: optional `-`, digits, optional fraction. No exponents,
    /// no `inf`/`nan`, no hex: what a person types for a reading.
    static func decimal(_ s: Substring) -> Double? {
        var digits = 0, points = 0
        for (i, c) in s.enumerated() {
            if c == "-" && i == 0 { continue }
            if c == "." { points += 1; continue }
            guard c.isASCII, c.isNumber else { return nil }
            digits += 1
        }
        guard digits > 0, points <= 1 else { return nil }
        return Double(String(s))
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }

    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
