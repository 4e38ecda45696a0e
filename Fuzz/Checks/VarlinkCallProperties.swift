import InwardProtocol

/// Properties of Varlink call and reply decoding (InwardProtocol's VarlinkMessage.swift,
/// VarlinkCall+Parameters.swift) for any message bytes: a call is accepted exactly when
/// an independent reading of the rules accepts it, re-encodes to itself, and its typed
/// parameter accessors agree with the JSON types.
enum VarlinkCallProperties {
    static func check(_ input: [UInt8]) throws(PropertyViolation) {
        let json = try? JSONValue.parse(input)
        let call: VarlinkCall?
        do {
            call = try VarlinkCall.parse(input)
        } catch {
            switch error {
            case .invalidJSON: try require(json == nil, "invalidJSON only for bad JSON", "\(error) for JSON that parses")
            case .invalidMessage: try require(json != nil, "invalidMessage only for JSON", "\(error)")
            default: throw PropertyViolation("call errors are invalidJSON or invalidMessage", "\(error)")
            }
            call = nil
        }
        let verdict = json.map(expectedVerdict)
        try require((call != nil) == (verdict == true), "accepted exactly by the Varlink rules",
                    "VarlinkCall.parse \(call == nil ? "rejected" : "accepted") \(show(input)), the rules say \(verdict.map { $0 ? "accept" : "reject" } ?? "not JSON")")
        if let call {
            try checkCall(call)
        }
        try checkReply(input, json)
    }

    static func checkCall(_ call: VarlinkCall) throws(PropertyViolation) {
        try require(call.parameters.objectValue != nil, "parameters is an object", "\(call.parameters.typeName)")
        try require(!(call.oneway && call.more), "not oneway and more", "both set")
        try require("\(call.interface).\(call.methodName)" == call.method, "interface.member splits the method",
                    "'\(call.interface)' + '\(call.methodName)' from '\(call.method)'")

        // Encode -> decode gives the same call.
        var wire = call.serialized()
        try require(wire.last == 0 && !wire.dropLast().contains(0), "one NUL, at the end", "serialized call \(show(wire))")
        wire.removeLast()
        let again: VarlinkCall
        do { again = try VarlinkCall.parse(wire) } catch {
            throw PropertyViolation("serialized call parses", "\(error) for \(show(wire))")
        }
        try require(again == call, "parse(serialize(call)) == call", "\(show(wire))")

        // Typed accessors agree with the JSON type of each parameter.
        let parameters = call.parameterObject
        for member in parameters {
            let name = member.key
            let v = member.value
            let present = !v.isNull
            try agree((try? call.string(name)) != nil, present && v.stringValue != nil, "string", name, v)
            try agree((try? call.double(name)) != nil, present && v.doubleValue != nil, "double", name, v)
            try agree((try? call.int(name)) != nil, present && v.int64Value != nil, "int", name, v)
            try agree((try? call.bool(name)) != nil, present && v.boolValue != nil, "bool", name, v)
            try agree((try? call.object(name)) != nil, present && v.objectValue != nil, "object", name, v)
            // optional...: nil for null, a value of the right type, else an error.
            try agree(throwsInvalid { () throws(VarlinkProtocolError) in _ = try call.optionalString(name) }, present && v.stringValue == nil, "optionalString", name, v)
            try agree(throwsInvalid { () throws(VarlinkProtocolError) in _ = try call.optionalDouble(name) }, present && v.doubleValue == nil, "optionalDouble", name, v)
            try agree(throwsInvalid { () throws(VarlinkProtocolError) in _ = try call.optionalInt(name) }, present && v.int64Value == nil, "optionalInt", name, v)
            try agree(throwsInvalid { () throws(VarlinkProtocolError) in _ = try call.optionalBool(name) }, present && v.boolValue == nil, "optionalBool", name, v)
            try agree(throwsInvalid { () throws(VarlinkProtocolError) in _ = try call.optionalObject(name) }, present && v.objectValue == nil, "optionalObject", name, v)
            if case .number(let d) = v, let i = v.int64Value {
                try require(Double(i) == d, "int from a float is exact", "\(d) read as \(i)")
            }
        }
        // An absent parameter is reported by name.
        let absent = "absent" + String(parameters.count)
        if parameters[absent] == nil {
            var missing: VarlinkProtocolError?
            do { _ = try call.string(absent) } catch { missing = error }
            try require(missing == .invalidParameter(parameter: absent, reason: "missing (expected string)"),
                        "missing parameter named", "\(String(describing: missing))")
        }
        // checkParameters names the first parameter not allowed.
        let keys = parameters.keys
        do { try call.checkParameters(allowed: Set(keys)) } catch {
            throw PropertyViolation("all parameters allowed", "\(error)")
        }
        if let first = keys.first {
            var unknown: VarlinkProtocolError?
            do { try call.checkParameters(allowed: Set(keys.dropFirst())) } catch { unknown = error }
            try require(unknown == .invalidParameter(parameter: first, reason: "unknown parameter"),
                        "unknown parameter named", "\(String(describing: unknown))")
        }
    }

    /// Replies: whatever parses re-encodes to the same reply.
    static func checkReply(_ input: [UInt8], _ json: JSONValue?) throws(PropertyViolation) {
        guard let reply = try? VarlinkReply.parse(input) else {
            try require(json?.objectValue == nil || !replyShapeIsValid(json!.objectValue!), "reply accepted when well-formed",
                        "rejected \(show(input))")
            return
        }
        try require(json?.objectValue.map(replyShapeIsValid) == true, "reply rejected when malformed", "accepted \(show(input))")
        var wire = reply.serialized()
        wire.removeLast()
        let again = try? VarlinkReply.parse(wire)
        try require(again == reply, "parse(serialize(reply)) == reply", "\(show(wire))")
    }

    // MARK: The rules, read independently (varlink.org, docs/protocol.md)

    static func expectedVerdict(_ json: JSONValue) -> Bool {
        guard let object = json.objectValue else { return false }
        let allowed: Set<String> = ["method", "parameters", "oneway", "more", "upgrade"]
        guard object.keys.allSatisfy(allowed.contains) else { return false }
        guard let method = object["method"]?.stringValue, isQualifiedMethod(method) else { return false }
        if let p = object["parameters"], !(p.isNull || p.objectValue != nil) { return false }
        for flag in ["oneway", "more", "upgrade"] {
            if let f = object[flag], !(f.isNull || f.boolValue != nil) { return false }
        }
        return !(object["oneway"]?.boolValue == true && object["more"]?.boolValue == true)
    }

    static func replyShapeIsValid(_ object: JSONObject) -> Bool {
        if let p = object["parameters"], !(p.isNull || p.objectValue != nil) { return false }
        if let c = object["continues"], !(c.isNull || c.boolValue != nil) { return false }
        if let e = object["error"], !(e.isNull || e.stringValue != nil) { return false }
        return true
    }

    /// `interface.Member`: interface = labels of [A-Za-z0-9-] joined by dots, at least
    /// two, none empty, none starting or ending with '-', the first starting with a
    /// letter; Member = an uppercase letter then letters and digits.
    static func isQualifiedMethod(_ method: String) -> Bool {
        let parts = method.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard parts.count >= 3, let member = parts.last else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        func alnum(_ c: Unicode.Scalar) -> Bool { letter(c) || ("0"..."9").contains(c) }
        guard let m0 = member.first, ("A"..."Z").contains(m0), member.allSatisfy(alnum) else { return false }
        for (n, label) in parts.dropLast().enumerated() {
            guard let first = label.first, let last = label.last else { return false }
            guard alnum(first), alnum(last), label.allSatisfy({ alnum($0) || $0 == "-" }) else { return false }
            if n == 0 && !letter(first) { return false }
        }
        return true
    }

    private static func agree(_ got: Bool, _ expected: Bool, _ accessor: String, _ name: String, _ v: JSONValue) throws(PropertyViolation) {
        try require(got == expected, "\(accessor)() agrees with the JSON type",
                    "\(accessor)(\"\(name)\") \(got ? "succeeded" : "failed") on \(v.typeName) \(v.jsonString.prefix(40))")
    }

    private static func throwsInvalid(_ body: () throws(VarlinkProtocolError) -> Void) -> Bool {
        do { try body(); return false } catch { return true }
    }
}
