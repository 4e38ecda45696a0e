/// A JSON value as Varlink carries it.
///
/// Integers and floating-point numbers stay distinct: a number literal without a
/// fraction or exponent that fits in `Int64` parses as `.integer`, any other number
/// as `.number` (so `-0`, `1.0`, `1e3` and integers beyond `Int64` are `.number`).
/// Objects keep their members in order; equality is order-sensitive.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value's JSON type name, for messages ("string", "object", ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .integer: "int"
        case .number: "float"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }

    /// The value as an `Int64`: an `.integer`, or a `.number` with an integral value in range.
    public var int64Value: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d):
            guard d.rounded(.towardZero) == d, d >= -9.223372036854775808e18, d < 9.223372036854775808e18
            else { return nil }
            return Int64(d)
        default: return nil
        }
    }

    /// The value as a `Double`: a `.number` or an `.integer`.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    /// Member `key` of an object (nil if not an object or no such member).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { o[key] } else { nil }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
}

extension JSONValue {
    /// `.string(s)` or `.null` when `s` is nil.
    public static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    /// `.number(d)` or `.null` when `d` is nil.
    public static func optional(_ d: Double?) -> JSONValue { d.map { .number($0) } ?? .null }
    /// `.integer(i)` or `.null` when `i` is nil.
    public static func optional(_ i: Int?) -> JSONValue { i.map { .integer(Int64($0)) } ?? .null }
}

/// A JSON object: members in order, keys unique (setting an existing key replaces it in place).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init() { members = [] }

    /// Members in the given order; a later duplicate key replaces the earlier value.
    public init(_ members: [Member]) {
        // The common case, unique keys, in one hashing pass; duplicates the slow way.
        var seen = Set<String>(minimumCapacity: members.count)
        if members.allSatisfy({ seen.insert($0.key).inserted }) {
            self.members = members
            return
        }
        self.members = []
        self.members.reserveCapacity(members.count)
        for m in members { self[m.key] = m.value }
    }

    /// Members already known to have unique keys (the parser checks).
    init(uniqueMembers: [Member]) { members = uniqueMembers }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The member's value, nil if absent. Setting nil removes the member (use `.null` to store null).
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}
