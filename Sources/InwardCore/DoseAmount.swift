/// An amount of medicine with its unit, as a plan states it (`[dose]
/// amount_per_device = "28 mg"`), so a dose of N devices can be recorded as
/// N times it (`inward dose --devices 2` -> 56 mg).
///
/// Written `<number> <unit>` (the space is optional): a positive decimal and one
/// of `mg`, `mcg`, `µg`, `g`, `ml` (any case). Amounts are health information:
/// they go to the session log only, never to the journal or stderr.
public struct DoseAmount: Sendable, Equatable, CustomStringConvertible {
    public var value: Double
    /// The unit as normalised: `mg`, `mcg`, `g` or `ml` (`µg` reads as `mcg`).
    public var unit: String

    /// Units an amount may have.
    public static let units = ["mg", "mcg", "µg", "g", "ml"]

    public init(value: Double, unit: String) {
        self.value = value
        self.unit = unit
    }

    /// The amount `text` states, or nil when it is not `<positive number> <unit>`.
    public static func parse(_ text: String) -> DoseAmount? {
        let body = Substring(text).trimmingSpaces()
        guard let split = body.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) else { return nil }
        let unit = body[split...].trimmingSpaces().lowercased()
        guard let value = VitalSigns.decimal(body[..<split]), value > 0, value.isFinite, units.contains(unit) else { return nil }
        return DoseAmount(value: value, unit: unit == "µg" ? "mcg" : unit)
    }

    /// The amount of `count` devices (or units) of this amount.
    public func times(_ count: Int) -> DoseAmount {
        DoseAmount(value: value * Double(count), unit: unit)
    }

    /// "28 mg", "0.5 mg".
    public var description: String { "\(MarkFieldValue.show(value)) \(unit)" }
}
