/// Strict RFC 8259 JSON parsing from UTF-8 bytes.
///
/// Rejects: trailing garbage, trailing commas, leading zeros, `NaN`/`Infinity`, numbers
/// that overflow a `Double`, unescaped control characters in strings, invalid escapes,
/// lone surrogates, invalid UTF-8, duplicate object keys, a byte-order mark, and nesting
/// deeper than `maxDepth`. Errors are `.invalidJSON(offset:message:)` with the byte offset
/// of the problem and what was expected there.
extension JSONValue {
    /// Default nesting limit (arrays and objects).
    public static let defaultMaxDepth = 64

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(VarlinkProtocolError) -> JSONValue {
        let result: Result<JSONValue, VarlinkProtocolError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer, maxDepth: maxDepth)
            do throws(VarlinkProtocolError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(VarlinkProtocolError) -> JSONValue {
        var parser = JSONParser(buffer.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(VarlinkProtocolError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

private enum Byte {
    static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, slash: UInt8 = 0x2F
    static let comma: UInt8 = 0x2C, colon: UInt8 = 0x3A, minus: UInt8 = 0x2D, plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E, zero: UInt8 = 0x30, nine: UInt8 = 0x39
    static let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
    static let space: UInt8 = 0x20, tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
    static let e: UInt8 = 0x65, E: UInt8 = 0x45, u: UInt8 = 0x75
}

struct JSONParser {
    private let p: UnsafeBufferPointer<UInt8>
    private var i = 0
    private let maxDepth: Int

    init(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        p = buffer
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(VarlinkProtocolError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if i < p.count {
            throw fail("expected end of input after the JSON value, found \(describe(p[i]))")
        }
        return value
    }

    // MARK: - Helpers

    private func fail(_ message: String, at offset: Int? = nil) -> VarlinkProtocolError {
        .invalidJSON(offset: offset ?? i, message: message)
    }

    private func describe(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(hex2(b))"
    }

    private mutating func skipWhitespace() {
        while i < p.count {
            let c = p[i]
            if c == Byte.space || c == Byte.lf || c == Byte.cr || c == Byte.tab { i += 1 } else { return }
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= Byte.zero && c <= Byte.nine }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(VarlinkProtocolError) -> JSONValue {
        guard i < p.count else {
            throw fail("unexpected end of input: expected a value")
        }
        switch p[i] {
        case Byte.openBrace: return try parseObject(depth: depth + 1)
        case Byte.openBracket: return try parseArray(depth: depth + 1)
        case Byte.quote: return .string(try parseString())
        case 0x74: try expectLiteral("true"); return .bool(true)
        case 0x66: try expectLiteral("false"); return .bool(false)
        case 0x6E: try expectLiteral("null"); return .null
        case Byte.minus, Byte.zero...Byte.nine: return try parseNumber()
        default:
            throw fail("expected a value (object, array, string, number, true, false or null), found \(describe(p[i]))")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(VarlinkProtocolError) {
        let start = i
        let n = literal.utf8CodeUnitCount
        let lp = literal.utf8Start
        for k in 0..<n {
            guard i < p.count else {
                throw fail("unexpected end of input: expected '\(literal)'", at: start)
            }
            guard p[i] == lp[k] else {
                throw fail("invalid literal: expected '\(literal)'", at: start)
            }
            i += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(VarlinkProtocolError) -> JSONValue {
        if depth > maxDepth {
            throw fail("nesting deeper than \(maxDepth) levels")
        }
        i += 1 // '{'
        skipWhitespace()
        if i < p.count && p[i] == Byte.closeBrace {
            i += 1
            return .object(JSONObject())
        }
        var members: [JSONObject.Member] = []
        members.reserveCapacity(4)
        var keySet: Set<String>? = nil
        while true {
            guard i < p.count else {
                throw fail("unexpected end of input: expected a string key")
            }
            guard p[i] == Byte.quote else {
                throw fail("expected a string key, found \(describe(p[i]))")
            }
            let keyOffset = i
            let key = try parseString()
            // Duplicate keys are ambiguous (which "method" counts?), so they are an error.
            if members.count < 32 {
                for m in members where m.key == key {
                    throw fail("duplicate key \"\(key)\"", at: keyOffset)
                }
            } else {
                if keySet == nil { keySet = Set(members.map(\.key)) }
                if !keySet!.insert(key).inserted {
                    throw fail("duplicate key \"\(key)\"", at: keyOffset)
                }
            }
            skipWhitespace()
            guard i < p.count else {
                throw fail("unexpected end of input: expected ':' after object key")
            }
            guard p[i] == Byte.colon else {
                throw fail("expected ':' after object key, found \(describe(p[i]))")
            }
            i += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            guard i < p.count else {
                throw fail("unexpected end of input: expected ',' or '}' in object")
            }
            if p[i] == Byte.comma {
                i += 1
                skipWhitespace()
                continue
            }
            if p[i] == Byte.closeBrace {
                i += 1
                return .object(JSONObject(uniqueMembers: members))
            }
            throw fail("expected ',' or '}' in object, found \(describe(p[i]))")
        }
    }

    private mutating func parseArray(depth: Int) throws(VarlinkProtocolError) -> JSONValue {
        if depth > maxDepth {
            throw fail("nesting deeper than \(maxDepth) levels")
        }
        i += 1 // '['
        skipWhitespace()
        var elements: [JSONValue] = []
        if i < p.count && p[i] == Byte.closeBracket {
            i += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard i < p.count else {
                throw fail("unexpected end of input: expected ',' or ']' in array")
            }
            if p[i] == Byte.comma {
                i += 1
                skipWhitespace()
                continue
            }
            if p[i] == Byte.closeBracket {
                i += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']' in array, found \(describe(p[i]))")
        }
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(VarlinkProtocolError) -> JSONValue {
        let start = i
        let negative = p[i] == Byte.minus
        if negative { i += 1 }
        guard i < p.count, Self.isDigit(p[i]) else {
            throw fail(i < p.count ? "expected a digit after '-', found \(describe(p[i]))"
                                   : "unexpected end of input: expected a digit after '-'")
        }
        // Decimal mantissa (first 19 significant digits) for the fast paths.
        var mantissa: UInt64 = 0
        var significant = 0
        var fractionDigits = 0
        if p[i] == Byte.zero {
            i += 1
            if i < p.count && Self.isDigit(p[i]) {
                throw fail("leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while i < p.count && Self.isDigit(p[i]) {
                significant += 1
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(p[i] &- Byte.zero) }
                i += 1
            }
        }
        var integral = true
        if i < p.count && p[i] == Byte.dot {
            integral = false
            i += 1
            guard i < p.count, Self.isDigit(p[i]) else {
                throw fail(i < p.count ? "expected a digit after '.', found \(describe(p[i]))"
                                       : "unexpected end of input: expected a digit after '.'")
            }
            while i < p.count && Self.isDigit(p[i]) {
                let digit = p[i] &- Byte.zero
                if significant > 0 || digit != 0 { significant += 1 }
                if significant <= 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    fractionDigits += 1
                }
                i += 1
            }
        }
        var exponent = 0
        if i < p.count && (p[i] == Byte.e || p[i] == Byte.E) {
            integral = false
            i += 1
            var exponentNegative = false
            if i < p.count && (p[i] == Byte.plus || p[i] == Byte.minus) {
                exponentNegative = p[i] == Byte.minus
                i += 1
            }
            guard i < p.count, Self.isDigit(p[i]) else {
                throw fail(i < p.count ? "expected a digit in the exponent, found \(describe(p[i]))"
                                       : "unexpected end of input: expected a digit in the exponent")
            }
            while i < p.count && Self.isDigit(p[i]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(p[i] &- Byte.zero) }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if integral && significant <= 18 {
            // Fits Int64 for sure.
            if negative {
                if mantissa == 0 { return .number(-0.0) }
                return .integer(-Int64(mantissa))
            }
            return .integer(Int64(mantissa))
        }
        if integral {
            // 19+ digits: accumulate negatively so Int64.min fits; fall back to Double on overflow.
            var value: Int64 = 0
            var overflow = false
            for k in (negative ? start + 1 : start)..<i {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.subtractingReportingOverflow(Int64(p[k] &- Byte.zero))
                if o1 || o2 { overflow = true; break }
                value = s
            }
            if !overflow {
                if negative { return .integer(value) }
                if value != Int64.min { return .integer(-value) }
            }
        } else if significant <= 15 {
            // Clinger's fast path: mantissa and 10^|e| are exact doubles, so one
            // multiplication or division is correctly rounded.
            let e = exponent - fractionDigits
            if e >= -22 && e <= 22 {
                let m = Double(mantissa)
                let d = e < 0 ? m / exactPowersOfTen[-e] : m * exactPowersOfTen[e]
                return .number(negative ? -d : d)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw fail("number out of range", at: start)
        }
        return .number(d)
    }

    // MARK: - Strings

    private mutating func parseString() throws(VarlinkProtocolError) -> String {
        let open = i
        i += 1 // '"'
        let contentStart = i
        // Fast path: no escapes.
        while i < p.count {
            let c = p[i]
            if c == Byte.quote {
                let s = String(decoding: UnsafeBufferPointer(rebasing: p[contentStart..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if c == Byte.backslash { break }
            if c < 0x20 { throw fail("control character 0x\(hex2(c)) in string must be escaped") }
            if c >= 0x80 { i += try utf8SequenceLength() } else { i += 1 }
        }
        guard i < p.count else {
            throw fail("unexpected end of input: unterminated string starting at byte \(open)")
        }
        // Slow path: escapes present.
        var out = [UInt8](UnsafeBufferPointer(rebasing: p[contentStart..<i]))
        while i < p.count {
            let c = p[i]
            if c == Byte.quote {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == Byte.backslash {
                try parseEscape(into: &out)
            } else if c < 0x20 {
                throw fail("control character 0x\(hex2(c)) in string must be escaped")
            } else if c >= 0x80 {
                let n = try utf8SequenceLength()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<(i + n)]))
                i += n
            } else {
                out.append(c)
                i += 1
            }
        }
        throw fail("unexpected end of input: unterminated string starting at byte \(open)")
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(VarlinkProtocolError) {
        let escapeStart = i
        i += 1 // '\'
        guard i < p.count else {
            throw fail("unexpected end of input in escape sequence")
        }
        let c = p[i]
        i += 1
        switch c {
        case Byte.quote: out.append(Byte.quote)
        case Byte.backslash: out.append(Byte.backslash)
        case Byte.slash: out.append(Byte.slash)
        case 0x62: out.append(0x08) // b
        case 0x66: out.append(0x0C) // f
        case 0x6E: out.append(0x0A) // n
        case 0x72: out.append(0x0D) // r
        case 0x74: out.append(0x09) // t
        case Byte.u:
            let unit = try parseHex4(escapeStart: escapeStart)
            var scalar: UInt32
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard i + 1 < p.count, p[i] == Byte.backslash, p[i + 1] == Byte.u else {
                    throw fail("lone high surrogate \\u\(hex4(unit)): expected a low surrogate \\uDC00-\\uDFFF after it",
                               at: escapeStart)
                }
                let lowStart = i
                i += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw fail("high surrogate \\u\(hex4(unit)) followed by \\u\(hex4(low)), not a low surrogate \\uDC00-\\uDFFF",
                               at: lowStart)
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail("lone low surrogate \\u\(hex4(unit))", at: escapeStart)
            } else {
                scalar = UInt32(unit)
            }
            appendUTF8(scalar, to: &out)
        default:
            throw fail("invalid escape '\\\(Character(Unicode.Scalar(c)))': expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                       at: escapeStart)
        }
    }

    /// Reads 4 hex digits at `i` (just after `\u`).
    private mutating func parseHex4(escapeStart: Int) throws(VarlinkProtocolError) -> UInt16 {
        var v: UInt16 = 0
        for _ in 0..<4 {
            guard i < p.count else {
                throw fail("unexpected end of input: expected 4 hex digits after \\u", at: escapeStart)
            }
            let c = p[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("expected 4 hex digits after \\u, found \(describe(c))")
            }
            v = v << 4 | UInt16(d)
            i += 1
        }
        return v
    }

    /// Validates the UTF-8 sequence starting at `i` (lead byte >= 0x80) and returns its length.
    private func utf8SequenceLength() throws(VarlinkProtocolError) -> Int {
        let b0 = p[i]
        let n: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 3
        case 0xED: n = 3; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; hi = 0x8F
        default: throw fail("invalid UTF-8 byte 0x\(hex2(b0)) in string")
        }
        guard i + n <= p.count else {
            throw fail("unexpected end of input in a UTF-8 sequence")
        }
        let b1 = p[i + 1]
        guard b1 >= lo && b1 <= hi else { throw fail("invalid UTF-8 sequence in string", at: i) }
        var k = 2
        while k < n {
            guard p[i + k] & 0xC0 == 0x80 else { throw fail("invalid UTF-8 sequence in string", at: i) }
            k += 1
        }
        return n
    }
}

@inline(__always)
func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (scalar >> 6)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (scalar >> 12)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (scalar >> 18)))
        out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}

/// 10^0 ... 10^22: exactly representable as doubles.
let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

private let hexDigits: [Character] = Array("0123456789ABCDEF")
func hex2(_ b: UInt8) -> String { String([hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]]) }
func hex4(_ v: UInt16) -> String { hex2(UInt8(v >> 8)) + hex2(UInt8(v & 0xFF)) }
