/// One value of a structured mark field as it arrives: a number or a text
/// (`--field heart_rate=72` on the command line, `"fields": {"bp": "120/80"}`
/// over Varlink), or something else that is then refused by its type name.
///
/// InwardCore does not know the protocol's JSON type; the daemon maps a JSON
/// integer or number to `.number`, a string to `.text` and anything else to
/// `.other(typeName:)`.
public enum MarkFieldValue: Sendable, Equatable {
    case number(Double)
    case text(String)
    /// A value of another type (bool, object, array, null), named for messages.
    case other(typeName: String)

    /// The value as the user wrote it, for messages.
    var written: String {
        switch self {
        case .number(let x): return MarkFieldValue.show(x)
        case .text(let s): return "\"\(s)\""
        case .other(let type): return "a \(type)"
        }
    }

    /// A number without a trailing `.0`: `120`, `37.2`.
    static func show(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
