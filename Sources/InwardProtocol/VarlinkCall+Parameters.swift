/// Typed access to call parameters. Each accessor throws
/// `.invalidParameter(parameter: name, reason:)` when the parameter is missing or has
/// the wrong type; its `reply` is `org.varlink.service.InvalidParameter(parameter)`.
///
/// The `optional...` accessors return nil when the parameter is absent or `null`
/// (Varlink's `?type`), and still throw when it has the wrong type.
extension VarlinkCall {
    private func value(_ name: String) -> JSONValue? {
        guard let v = parameters[name], !v.isNull else { return nil }
        return v
    }

    private func require(_ name: String, _ type: String) throws(VarlinkProtocolError) -> JSONValue {
        guard let v = value(name) else {
            throw .invalidParameter(parameter: name, reason: "missing (expected \(type))")
        }
        return v
    }

    private static func wrongType(_ name: String, _ type: String, _ v: JSONValue) -> VarlinkProtocolError {
        .invalidParameter(parameter: name, reason: "expected \(type), got \(v.typeName)")
    }

    public func string(_ name: String) throws(VarlinkProtocolError) -> String {
        let v = try require(name, "string")
        guard case .string(let s) = v else { throw Self.wrongType(name, "string", v) }
        return s
    }

    public func optionalString(_ name: String) throws(VarlinkProtocolError) -> String? {
        guard let v = value(name) else { return nil }
        guard case .string(let s) = v else { throw Self.wrongType(name, "string", v) }
        return s
    }

    /// A Varlink `float`: accepts JSON integers and floats.
    public func double(_ name: String) throws(VarlinkProtocolError) -> Double {
        let v = try require(name, "float")
        guard let d = v.doubleValue else { throw Self.wrongType(name, "float", v) }
        return d
    }

    public func optionalDouble(_ name: String) throws(VarlinkProtocolError) -> Double? {
        guard let v = value(name) else { return nil }
        guard let d = v.doubleValue else { throw Self.wrongType(name, "float", v) }
        return d
    }

    /// A Varlink `int`: a JSON integer, or a float with an integral value that fits `Int64`.
    public func int(_ name: String) throws(VarlinkProtocolError) -> Int64 {
        let v = try require(name, "int")
        guard let i = v.int64Value else { throw Self.wrongType(name, "int", v) }
        return i
    }

    public func optionalInt(_ name: String) throws(VarlinkProtocolError) -> Int64? {
        guard let v = value(name) else { return nil }
        guard let i = v.int64Value else { throw Self.wrongType(name, "int", v) }
        return i
    }

    public func bool(_ name: String) throws(VarlinkProtocolError) -> Bool {
        let v = try require(name, "bool")
        guard case .bool(let b) = v else { throw Self.wrongType(name, "bool", v) }
        return b
    }

    public func optionalBool(_ name: String) throws(VarlinkProtocolError) -> Bool? {
        guard let v = value(name) else { return nil }
        guard case .bool(let b) = v else { throw Self.wrongType(name, "bool", v) }
        return b
    }

    public func object(_ name: String) throws(VarlinkProtocolError) -> JSONObject {
        let v = try require(name, "object")
        guard case .object(let o) = v else { throw Self.wrongType(name, "object", v) }
        return o
    }

    public func optionalObject(_ name: String) throws(VarlinkProtocolError) -> JSONObject? {
        guard let v = value(name) else { return nil }
        guard case .object(let o) = v else { throw Self.wrongType(name, "object", v) }
        return o
    }

    /// Throws `.invalidParameter` for the first parameter not in `allowed` (Varlink
    /// services reject unknown parameters with `org.varlink.service.InvalidParameter`).
    public func checkParameters(allowed: Set<String>) throws(VarlinkProtocolError) {
        for m in parameterObject where !allowed.contains(m.key) {
            throw .invalidParameter(parameter: m.key, reason: "unknown parameter")
        }
    }
}
