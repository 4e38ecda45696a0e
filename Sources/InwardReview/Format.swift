public import InwardProtocol

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" || $0 == "_" ? " " : $0 }) }
}

/// Value formatting shared by the reports.
public enum Format {
    /// A field value as text: strings as is, numbers short (`5`, `2.5`), yes/no.
    public static func value(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "yes" : "no"
        case .integer(let i): return "\(i)"
        case .number(let d): return number(d)
        case .string(let s): return s
        default: return v.jsonString
        }
    }

    /// `5`, `2.5`, `-3.25` (at most 2 decimals).
    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "\(d)" }
        let r = (d * 100).rounded() / 100
        if r == r.rounded() && abs(r) < 1e15 { return "\(Int64(r))" }
        var s = "\(r)"
        if s.hasSuffix("0") && s.contains(".") { s.removeLast() }
        return s
    }
}
