import Testing
@testable import InwardProtocol

private func parse(_ s: String) throws(VarlinkProtocolError) -> JSONValue { try JSONValue.parse(s) }

/// Parses `text` expecting failure; returns (offset, message).
private func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (Int, String)? {
    parseError(Array(text.utf8), sourceLocation: sourceLocation)
}

private func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> (Int, String)? {
    do {
        let v = try JSONValue.parse(bytes)
        Issue.record("expected an error, parsed \(v)", sourceLocation: sourceLocation)
        return nil
    } catch {
        guard case .invalidJSON(let offset, let message) = error else {
            Issue.record("expected invalidJSON, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
        return (offset, message)
    }
}

@Suite("JSON values")
struct JSONTests {
    @Test func parsesScalarsAndKeepsIntegersDistinctFromFloats() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .integer(0))
        #expect(try parse("42") == .integer(42))
        #expect(try parse("-17") == .integer(-17))
        #expect(try parse("1.0") == .number(1.0))
        #expect(try parse("1e3") == .number(1000))
        #expect(try parse("1E+3") == .number(1000))
        #expect(try parse("2.5e-3") == .number(0.0025))
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("-9223372036854775808") == .integer(Int64.min))
        // Beyond Int64: a float, not an error and not a wrapped integer.
        #expect(try parse("9223372036854775808") == .number(9223372036854775808.0))
        #expect(try parse("-9223372036854775809") == .number(-9223372036854775809.0))
        #expect(try parse("18446744073709551616") == .number(18446744073709551616.0))
        // -0 keeps its sign as a float.
        let negZero = try parse("-0")
        guard case .number(let d) = negZero else {
            Issue.record("-0 parsed as \(negZero)")
            return
        }
        #expect(d == 0 && d.sign == .minus)
        #expect(try parse("-0.0").jsonString == "-0.0")
    }

    @Test func parsesStringsWithEscapesAndUnicode() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4E2D""#) == .string("é中"))
        #expect(try parse(#""\uD83D\uDE00 smile""#) == .string("😀 smile"))
        #expect(try parse("\"é中😀\"") == .string("é中😀"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test func objectsKeepKeyOrder() throws {
        let v = try parse(#" { "z" : 1 , "a" : [ 1, 2.5, "x", null, {} , [] ] , "m": {"k": true} } "#)
        guard case .object(let o) = v else {
            Issue.record("not an object")
            return
        }
        #expect(o.keys == ["z", "a", "m"])
        #expect(v["a"] == [1, 2.5, "x", nil, [:], []])
        #expect(v["m"]?["k"] == true)
        #expect(v.jsonString == #"{"z":1,"a":[1,2.5,"x",null,{},[]],"m":{"k":true}}"#)
    }

    @Test(arguments: [
        "null", "true", "false", "0", "-1", "123456789012345", "9223372036854775807", "-9223372036854775808",
        "1.5", "-0.0", "1e-07", "1e+100", "5e-324", "1.7976931348623157e+308", "0.1", "100.0",
        #""""#, #""plain""#, #""quote\" back\\ nl\n tab\t cr\r bs\b ff\f nul\u0000 us\u001f del""#,
        "\"é 中 😀\"", "[]", "{}", "[[[]]]", #"{"b":[1,{"c":null}],"a":"x"}"#,
    ])
    func serializationRoundTripsExactly(_ text: String) throws {
        let v = try parse(text)
        #expect(v.jsonString == text)
        #expect(try JSONValue.parse(v.jsonBytes) == v)
    }

    @Test func serializerEscapesControlCharactersAndKeepsOthersRaw() {
        let all = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let text = JSONValue.string(all + "\"\\/é😀\u{7F}").jsonString
        #expect(text == #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
            + "\\\"\\\\/é😀\u{7F}\"")
        #expect(!JSONValue.string(all).jsonBytes.contains(0), "a serialized string must never contain NUL")
    }

    @Test func floatsStayFloatsIntegersStayIntegers() throws {
        #expect(JSONValue.number(3).jsonString == "3.0")
        #expect(JSONValue.integer(3).jsonString == "3")
        #expect(try parse(JSONValue.number(3).jsonString) == .number(3))
        #expect(JSONValue.number(.nan).jsonString == "null")
        #expect(JSONValue.number(-.infinity).jsonString == "null")
        for d in [0.1, 1.0 / 3.0, 123456.789e-20, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, -2.5e15] {
            let back = try parse(JSONValue.number(d).jsonString)
            #expect(back == .number(d), "\(d)")
        }
    }

    @Test func numberFastPathsAgreeWithTheStandardLibrary() throws {
        // Parsing: decimals of every shape vs Double(String) (strtod, correctly rounded).
        var seed: UInt64 = 42
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 11
        }
        for _ in 0..<20_000 {
            let digits = String(next() % 10_000_000_000_000_000)
            let point = Int(next() % UInt64(digits.count + 1))
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            // Strip leading zeros of the integer part (JSON forbids them).
            while text.count > 1, text.hasPrefix("0"), !text.hasPrefix("0.") { text.removeFirst() }
            if next() % 3 == 0 { text += "e\(Int(next() % 60) - 30)" }
            if next() % 2 == 0 { text = "-" + text }
            let parsed = try parse(text)
            #expect(parsed == .number(Double(text)!), "\(text)")
        }
        // Serialising: any double reads back exactly, through the fast path or not.
        for _ in 0..<20_000 {
            let bits = next() << 11 | next() & 0x7FF
            let d = Double(bitPattern: bits)
            guard d.isFinite else { continue }
            let text = JSONValue.number(d).jsonString
            #expect(Double(text)?.bitPattern == d.bitPattern, "\(d) -> \(text)")
        }
        for d in [0.5, -14.25, 612.25, 1e-4, 0.0001234, 81.3, 99999999999999.9, 123456.78901234, -22.4] {
            let text = JSONValue.number(d).jsonString
            #expect(Double(text) == d && text == d.description, "\(d) -> \(text)")
        }
    }

    @Test func objectSubscriptReplacesInPlaceAndRemoves() {
        var o: JSONObject = ["a": 1, "b": 2]
        o["a"] = "x"
        o["c"] = .null
        #expect(o.keys == ["a", "b", "c"])
        o["b"] = nil
        #expect(JSONValue.object(o).jsonString == #"{"a":"x","c":null}"#)
    }

    // Each case: input, expected byte offset, a fragment of the message.
    @Test(arguments: [
        ("", 0, "expected a value"),
        ("   ", 3, "expected a value"),
        ("{", 1, "expected a string key"),
        (#"{"a""#, 4, "expected ':'"),
        (#"{"a":"#, 5, "expected a value"),
        (#"{"a":1"#, 6, "expected ',' or '}'"),
        (#"{"a":1,}"#, 7, "expected a string key, found '}'"),
        ("[1,2,]", 5, "expected a value"),
        ("[1 2]", 3, "expected ',' or ']'"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        ("{a:1}", 1, "expected a string key"),
        (#"{"a":1}x"#, 7, "expected end of input"),
        ("1 2", 2, "expected end of input"),
        (#""abc"#, 4, "unterminated string starting at byte 0"),
        (#"["abc"#, 5, "unterminated string starting at byte 1"),
        (#""\x""#, 1, "invalid escape"),
        (#""\u12G4""#, 5, "expected 4 hex digits"),
        (#""\u12""#, 5, "expected 4 hex digits"),
        (#""\uD83D""#, 1, "lone high surrogate"),
        (#""\uD83Dx""#, 1, "lone high surrogate"),
        (#""\uD83D\u0041""#, 7, "not a low surrogate"),
        (#""\uDE00""#, 1, "lone low surrogate"),
        ("\"a\nb\"", 2, "control character 0x0A"),
        ("\"a\tb\"", 2, "control character 0x09"),
        ("NaN", 0, "expected a value"),
        ("-Infinity", 1, "expected a digit after '-'"),
        ("Infinity", 0, "expected a value"),
        ("nul", 0, "expected 'null'"),
        ("tru", 0, "expected 'true'"),
        ("fals", 0, "expected 'false'"),
        ("truex", 4, "expected end of input"),
        ("01", 0, "leading zeros"),
        ("-01", 0, "leading zeros"),
        ("1.", 2, "expected a digit after '.'"),
        (".5", 0, "expected a value"),
        ("1e", 2, "digit in the exponent"),
        ("1e+", 3, "digit in the exponent"),
        ("+1", 0, "expected a value"),
        ("1e400", 0, "number out of range"),
        ("-1e400", 0, "number out of range"),
        ("0x10", 1, "expected end of input"),
        ("'a'", 0, "expected a value"),
        (#"{"a":1,"a":2}"#, 7, "duplicate key \"a\""),
        ("[1]]", 3, "expected end of input"),
        ("\u{FEFF}{}", 0, "expected a value"),
    ] as [(String, Int, String)])
    func malformedJSONIsRejectedWithOffset(_ input: String, _ offset: Int, _ fragment: String) {
        guard let (got, message) = parseError(input) else { return }
        #expect(got == offset, "\(input.debugDescription): \(message)")
        #expect(message.contains(fragment), "\(input.debugDescription): \(message)")
    }

    @Test func invalidUTF8IsRejected() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0x61, 0xFF, 0x22], 2),             // invalid byte
            ([0x22, 0xC0, 0xAF, 0x22], 1),             // overlong '/'
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),       // overlong 3-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),       // UTF-8 encoded surrogate
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), // above U+10FFFF
            ([0x22, 0x80, 0x22], 1),                   // lone continuation
            ([0x22, 0xC3], 1),                         // truncated sequence
            ([0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22], 3), // bad sequence after an escape
        ]
        for (bytes, offset) in cases {
            guard let (got, message) = parseError(bytes) else { continue }
            #expect(got == offset, "\(bytes): \(message)")
            #expect(message.contains("UTF-8"), "\(bytes): \(message)")
        }
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try parse(ok).jsonString == ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let e1 = parseError(deep)
        #expect(e1?.0 == 64)
        #expect(e1?.1.contains("nesting deeper than 64") == true)
        // A depth bomb: fails fast at the limit, without exhausting the stack.
        let bomb = String(repeating: #"{"a":["#, count: 100_000)
        let e2 = parseError(bomb)
        #expect(e2?.1.contains("nesting deeper than 64") == true)
        #expect(try JSONValue.parse(Array("[[[1]]]".utf8), maxDepth: 3) == [[[1]]])
        #expect(throws: VarlinkProtocolError.self) { try JSONValue.parse(Array("[[[1]]]".utf8), maxDepth: 2) }
    }

    @Test func manyKeysDuplicateCheckScales() throws {
        let keys = (0..<5000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let v = try parse("{" + keys + "}")
        #expect(v.objectValue?.count == 5000)
        #expect(v["k4999"] == 4999)
        let dup = parseError("{" + keys + #","k17":0}"#)
        #expect(dup?.1.contains("duplicate key \"k17\"") == true)
    }

    @Test func accessorsConvert() {
        #expect(JSONValue.integer(3).doubleValue == 3)
        #expect(JSONValue.number(4).int64Value == 4)
        #expect(JSONValue.number(4.5).int64Value == nil)
        #expect(JSONValue.number(1e19).int64Value == nil)
        #expect(JSONValue.string("x").int64Value == nil)
    }
}
