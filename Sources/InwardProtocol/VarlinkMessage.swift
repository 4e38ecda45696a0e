/// A Varlink method call: `{"method": "io.inward.Session.Status", "parameters": {...},
/// "oneway": false, "more": false, "upgrade": false}`.
public struct VarlinkCall: Sendable, Hashable {
    /// Fully qualified method name, `interface.Method` (e.g. `io.inward.Session.Status`).
    public var method: String
    /// Always a `.object` (empty when the call had no parameters).
    public var parameters: JSONValue
    /// The caller wants no reply.
    public var oneway: Bool
    /// The caller accepts several replies (`continues: true` on all but the last).
    public var more: Bool
    /// The caller asks to switch the connection to another protocol after the reply.
    public var upgrade: Bool

    public init(method: String, parameters: JSONObject = [:], oneway: Bool = false, more: Bool = false,
                upgrade: Bool = false) {
        self.method = method
        self.parameters = .object(parameters)
        self.oneway = oneway
        self.more = more
        self.upgrade = upgrade
    }

    /// The interface part of `method` (`io.inward.Session`).
    public var interface: Substring {
        guard let dot = method.utf8.lastIndex(of: 0x2E) else { return "" }
        return method[..<dot]
    }

    /// The member part of `method` (`Status`).
    public var methodName: Substring {
        guard let dot = method.utf8.lastIndex(of: 0x2E) else { return method[...] }
        return method[method.utf8.index(after: dot)...]
    }

    /// `parameters` as an object.
    public var parameterObject: JSONObject { parameters.objectValue ?? JSONObject() }

    /// Parses and validates one message (bytes without the NUL).
    ///
    /// Rules: a JSON object; `method` present and a string of the form
    /// `interface.Method` (Varlink grammar); `parameters`, if present, an object (or
    /// null, taken as `{}`); `oneway`, `more`, `upgrade`, if present, booleans (or null,
    /// taken as false); `oneway` and `more` not both true; no other keys.
    public static func parse(_ bytes: [UInt8]) throws(VarlinkProtocolError) -> VarlinkCall {
        try from(JSONValue.parse(bytes))
    }

    /// Validates an already parsed message.
    public static func from(_ json: JSONValue) throws(VarlinkProtocolError) -> VarlinkCall {
        guard case .object(let object) = json else {
            throw .invalidMessage("a call must be a JSON object, got \(json.typeName)")
        }
        var method: String?
        var parameters = JSONObject()
        var flags = (oneway: false, more: false, upgrade: false)
        for member in object {
            switch member.key {
            case "method":
                guard case .string(let s) = member.value else {
                    throw .invalidMessage("'method' must be a string, got \(member.value.typeName)")
                }
                method = s
            case "parameters":
                switch member.value {
                case .object(let o): parameters = o
                case .null: break
                default:
                    throw .invalidMessage("'parameters' must be an object, got \(member.value.typeName)")
                }
            case "oneway": flags.oneway = try flag(member)
            case "more": flags.more = try flag(member)
            case "upgrade": flags.upgrade = try flag(member)
            default:
                throw .invalidMessage("unknown key '\(member.key)' in call (expected method, parameters, oneway, more, upgrade)")
            }
        }
        guard let method else {
            throw .invalidMessage("missing 'method'")
        }
        guard VarlinkNames.isValidQualifiedMethod(method) else {
            throw .invalidMessage("'method' must be 'interface.Method' (e.g. io.inward.Session.Status), got '\(method)'")
        }
        if flags.oneway && flags.more {
            throw .invalidMessage("'oneway' and 'more' cannot both be true")
        }
        return VarlinkCall(method: method, parameters: parameters, oneway: flags.oneway, more: flags.more,
                           upgrade: flags.upgrade)
    }

    private static func flag(_ member: JSONObject.Member) throws(VarlinkProtocolError) -> Bool {
        switch member.value {
        case .bool(let b): return b
        case .null: return false
        default: throw .invalidMessage("'\(member.key)' must be a boolean, got \(member.value.typeName)")
        }
    }

    /// The call as sent by a client: JSON plus the terminating NUL. Flags appear only when true.
    public func serialized() -> [UInt8] {
        var o = JSONObject()
        o["method"] = .string(method)
        if let p = parameters.objectValue, !p.isEmpty { o["parameters"] = parameters }
        if oneway { o["oneway"] = true }
        if more { o["more"] = true }
        if upgrade { o["upgrade"] = true }
        var out: [UInt8] = []
        out.reserveCapacity(128)
        o.serialize(into: &out)
        out.append(0)
        return out
    }
}

/// A Varlink reply: `{"error": "...", "parameters": {...}, "continues": true}`.
public struct VarlinkReply: Sendable, Hashable {
    /// The reply's parameters (an object), or nil for none.
    public var parameters: JSONValue?
    /// More replies follow (only for calls with `more`).
    public var continues: Bool
    /// Fully qualified error name when the call failed.
    public var error: String?

    public init(parameters: JSONValue? = nil, continues: Bool = false, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }

    public init(_ parameters: JSONObject, continues: Bool = false) {
        self.init(parameters: .object(parameters), continues: continues)
    }

    /// An error reply.
    public static func error(_ name: String, _ parameters: JSONObject = [:]) -> VarlinkReply {
        VarlinkReply(parameters: .object(parameters), error: name)
    }

    /// Writes the reply and its NUL. Key order is fixed: `error` (if any), `parameters`
    /// (if non-nil), `continues` (only when true). Example:
    /// `{"parameters":{"seq":3}}\0`, `{"error":"io.inward.Session.NoSession","parameters":{}}\0`.
    public func serialize(into out: inout [UInt8]) {
        out.append(0x7B)
        var first = true
        if let error {
            out.append(contentsOf: Self.errorKey)
            appendJSONString(error, to: &out)
            first = false
        }
        if let parameters {
            if !first { out.append(0x2C) }
            out.append(contentsOf: Self.parametersKey)
            parameters.serialize(into: &out)
            first = false
        }
        if continues {
            if !first { out.append(0x2C) }
            out.append(contentsOf: Self.continuesTrue)
        }
        out.append(0x7D)
        out.append(0)
    }

    /// The reply as sent: JSON plus the terminating NUL.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        serialize(into: &out)
        return out
    }

    private static let errorKey: [UInt8] = Array("\"error\":".utf8)
    private static let parametersKey: [UInt8] = Array("\"parameters\":".utf8)
    private static let continuesTrue: [UInt8] = Array("\"continues\":true".utf8)

    /// Parses a reply (bytes without the NUL), for clients. `parameters` must be an
    /// object if present, `continues` a boolean, `error` a string; other keys are ignored.
    public static func parse(_ bytes: [UInt8]) throws(VarlinkProtocolError) -> VarlinkReply {
        let json = try JSONValue.parse(bytes)
        guard case .object(let object) = json else {
            throw .invalidMessage("a reply must be a JSON object, got \(json.typeName)")
        }
        var reply = VarlinkReply()
        for member in object {
            switch member.key {
            case "parameters":
                switch member.value {
                case .object: reply.parameters = member.value
                case .null: break
                default: throw .invalidMessage("'parameters' must be an object, got \(member.value.typeName)")
                }
            case "continues":
                switch member.value {
                case .bool(let b): reply.continues = b
                case .null: break
                default: throw .invalidMessage("'continues' must be a boolean, got \(member.value.typeName)")
                }
            case "error":
                switch member.value {
                case .string(let s): reply.error = s
                case .null: break
                default: throw .invalidMessage("'error' must be a string, got \(member.value.typeName)")
                }
            default:
                continue
            }
        }
        return reply
    }
}

/// Varlink name grammar (varlink.org). Byte-level, allocation-free.
public enum VarlinkNames {
    /// `[A-Za-z](-*[A-Za-z0-9])*(\.[A-Za-z0-9](-*[A-Za-z0-9])*)+`
    public static func isValidInterfaceName(_ name: Substring) -> Bool {
        var labels = 0
        var labelLength = 0
        var previous: UInt8 = 0
        for c in name.utf8 {
            if c == 0x2E {
                // A label ends: non-empty and not ending in '-'.
                if labelLength == 0 || previous == 0x2D { return false }
                labels += 1
                labelLength = 0
            } else if isAlnum(c) {
                if labels == 0 && labelLength == 0 && !isAlpha(c) { return false }
                labelLength += 1
            } else if c == 0x2D {
                if labelLength == 0 { return false }
                labelLength += 1
            } else {
                return false
            }
            previous = c
        }
        if labelLength == 0 || previous == 0x2D { return false }
        return labels + 1 >= 2
    }

    /// `[A-Z][A-Za-z0-9]*`
    public static func isValidMemberName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, first >= 0x41, first <= 0x5A else { return false }
        for c in name.utf8 where !isAlnum(c) { return false }
        return true
    }

    /// `interface.Member`
    public static func isValidQualifiedMethod(_ method: String) -> Bool {
        guard let dot = method.utf8.lastIndex(of: 0x2E) else { return false }
        return isValidInterfaceName(method[..<dot]) && isValidMemberName(method[method.utf8.index(after: dot)...])
    }

    @inline(__always)
    private static func isAlpha(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    @inline(__always)
    private static func isAlnum(_ c: UInt8) -> Bool {
        isAlpha(c) || (c >= 0x30 && c <= 0x39)
    }
}
