import InwardProtocol

/// Properties of the JSON parser and serializer (InwardProtocol's JSONParser.swift,
/// JSONSerializer.swift) for any byte string.
enum JSONProperties {
    static func check(_ input: [UInt8]) throws(PropertyViolation) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(input)
        } catch {
            guard case .invalidJSON(let offset, let message) = error else {
                throw PropertyViolation("rejection is invalidJSON", "parse threw \(error)")
            }
            try require((0...input.count).contains(offset), "error offset inside the input",
                        "offset \(offset) for \(input.count) bytes (\(message))")
            try requireSameVerdictFromOtherEntryPoints(input, accepted: nil)
            return
        }
        try requireSameVerdictFromOtherEntryPoints(input, accepted: value)
        try requireFiniteNumbers(value)

        // parse -> serialize -> parse gives the same value, and serializing is a fixed point.
        let text = value.jsonBytes
        try require(String(validating: text, as: UTF8.self) != nil, "serialized form is UTF-8",
                    "\(text.count) bytes that are not valid UTF-8")
        let again: JSONValue
        do { again = try JSONValue.parse(text) } catch {
            throw PropertyViolation("serialized form parses", "\(error) in \(show(text))")
        }
        try require(again == value, "parse(serialize(v)) == v", "\(show(text)) parsed to a different value")
        try require(again.jsonBytes == text, "serializing is a fixed point", "\(show(text)) became \(show(again.jsonBytes))")

        // The nesting limit counts levels exactly.
        let depth = nesting(value)
        if depth > 0 {
            do { _ = try JSONValue.parse(text, maxDepth: depth) } catch {
                throw PropertyViolation("maxDepth counts levels", "depth \(depth) rejected with maxDepth \(depth): \(error)")
            }
            if (try? JSONValue.parse(text, maxDepth: depth - 1)) != nil {
                throw PropertyViolation("maxDepth counts levels", "depth \(depth) accepted with maxDepth \(depth - 1)")
            }
        }

        // A bare number reads as the platform's correctly rounded conversion would.
        try requireNumberAgreesWithStandardLibrary(input, value)
    }

    /// The byte-array, raw-buffer and String entry points agree.
    private static func requireSameVerdictFromOtherEntryPoints(_ input: [UInt8], accepted: JSONValue?) throws(PropertyViolation) {
        let raw = input.withUnsafeBytes { buffer in try? JSONValue.parse(buffer) }
        try require(raw == accepted, "entry points agree", "the raw-buffer parse gave \(String(describing: raw)), the array parse \(String(describing: accepted))")
        if let text = String(validating: input, as: UTF8.self) {
            let viaString = try? JSONValue.parse(text)
            try require(viaString == accepted, "entry points agree", "the String parse gave \(String(describing: viaString)), the array parse \(String(describing: accepted))")
        }
    }

    private static func requireFiniteNumbers(_ value: JSONValue) throws(PropertyViolation) {
        switch value {
        case .number(let d):
            try require(d.isFinite, "numbers are finite", "parsed \(d)")
        case .array(let elements):
            for e in elements { try requireFiniteNumbers(e) }
        case .object(let object):
            for m in object { try requireFiniteNumbers(m.value) }
        default:
            break
        }
    }

    private static func requireNumberAgreesWithStandardLibrary(_ input: [UInt8], _ value: JSONValue) throws(PropertyViolation) {
        let ws: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        let trimmed = String(decoding: input.drop { ws.contains($0) }.reversed().drop { ws.contains($0) }.reversed(), as: UTF8.self)
        switch value {
        case .integer(let i):
            try require(Int64(trimmed) == i, "integers read exactly", "\(trimmed) parsed as \(i)")
        case .number(let d):
            guard let expected = Double(trimmed) else { return }
            try require(expected.bitPattern == d.bitPattern, "floats correctly rounded",
                        "\(trimmed) parsed as \(d) (bits \(d.bitPattern)), Double(_:) gives \(expected)")
        default:
            break
        }
    }

    /// Levels of arrays and objects: 0 for a scalar, 1 for `[]`.
    static func nesting(_ value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(nesting).max() ?? 0)
        case .object(let object): 1 + (object.members.map { nesting($0.value) }.max() ?? 0)
        default: 0
        }
    }
}

/// At most 200 bytes of `bytes` as text, for messages.
func show(_ bytes: [UInt8]) -> String {
    let text = String(decoding: bytes.prefix(200), as: UTF8.self)
    return "'\(text)'" + (bytes.count > 200 ? "… (\(bytes.count) bytes)" : "")
}
