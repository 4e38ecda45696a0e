import Testing
@testable import InwardProtocol

private func call(_ s: String) throws(VarlinkProtocolError) -> VarlinkCall { try VarlinkCall.parse(Array(s.utf8)) }

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("Varlink calls and replies")
struct MessageTests {
    @Test func parsesAFullCall() throws {
        let c = try call(#"{"method":"io.inward.Session.Hold","parameters":{"seconds":120,"by":"therapist"},"more":false,"oneway":true,"upgrade":false}"#)
        #expect(c.method == "io.inward.Session.Hold")
        #expect(c.interface == "io.inward.Session")
        #expect(c.methodName == "Hold")
        #expect(c.oneway && !c.more && !c.upgrade)
        #expect(c.parameters == ["seconds": 120, "by": "therapist"])
        #expect(try c.double("seconds") == 120)
        #expect(try c.optionalString("by") == "therapist")
    }

    @Test func minimalCallDefaults() throws {
        let c = try call(#"{"method":"org.varlink.service.GetInfo"}"#)
        #expect(c.parameters == .object([:]))
        #expect(!c.oneway && !c.more && !c.upgrade)
        let n = try call(#"{"method":"a.b.C","parameters":null,"more":null}"#)
        #expect(n.parameters == .object([:]) && !n.more)
        let more = try call(#"{"more":true,"method":"io.inward.Session.Monitor","parameters":{}}"#)
        #expect(more.more)
    }

    @Test(arguments: [
        (#"[]"#, "must be a JSON object, got array"),
        (#""io.inward.Session.Status""#, "must be a JSON object, got string"),
        (#"{}"#, "missing 'method'"),
        (#"{"parameters":{}}"#, "missing 'method'"),
        (#"{"method":42}"#, "'method' must be a string, got int"),
        (#"{"method":null}"#, "'method' must be a string, got null"),
        (#"{"method":"Status"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"io.inward.Session."}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"io.inward.Session.status"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"inward.Session.Stat-us"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"io..Session.Status"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"session.Status"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"1o.inward.Status"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"io.inward-.Status"}"#, "'method' must be 'interface.Method'"),
        (#"{"method":"io.inward.Session.Status","parameters":[]}"#, "'parameters' must be an object, got array"),
        (#"{"method":"io.inward.Session.Status","parameters":"x"}"#, "'parameters' must be an object, got string"),
        (#"{"method":"io.inward.Session.Status","more":"yes"}"#, "'more' must be a boolean, got string"),
        (#"{"method":"io.inward.Session.Status","oneway":1}"#, "'oneway' must be a boolean, got int"),
        (#"{"method":"io.inward.Session.Status","upgrade":{}}"#, "'upgrade' must be a boolean, got object"),
        (#"{"method":"io.inward.Session.Monitor","more":true,"oneway":true}"#, "'oneway' and 'more' cannot both be true"),
        (#"{"method":"io.inward.Session.Status","extra":1}"#, "unknown key 'extra'"),
    ] as [(String, String)])
    func invalidCallsAreRejectedWithAReason(_ input: String, _ fragment: String) {
        do {
            let c = try call(input)
            Issue.record("accepted \(input) as \(c)")
        } catch {
            guard case .invalidMessage(let message) = error else {
                Issue.record("expected invalidMessage for \(input), got \(error)")
                return
            }
            #expect(message.contains(fragment), "\(input): \(message)")
            #expect(error.reply.error == "io.inward.Session.MalformedMessage")
        }
    }

    @Test func invalidJSONInACallReportsTheOffset() {
        #expect(throws: VarlinkProtocolError.invalidJSON(offset: 10, message: "expected a value (object, array, string, number, true, false or null), found '}'")) {
            try call(#"{"method":}"#)
        }
        let reply = VarlinkProtocolError.invalidJSON(offset: 9, message: "x").reply
        #expect(text(reply.serialized()) == #"{"error":"io.inward.Session.MalformedMessage","parameters":{"reason":"invalid JSON: x","offset":9}}"# + "\0")
    }

    @Test func methodNameGrammar() {
        for ok in ["org.varlink.service.GetInfo", "io.inward.Session.SetVolume", "a-b.c.D", "a--b.c2.X9",
                   "xn--bcher-kva.example.M", "A.b.C", "a.0.Z"] {
            #expect(VarlinkNames.isValidQualifiedMethod(ok), "\(ok)")
        }
        for bad in ["", ".", "a.B", "a..b.C", ".a.b.C", "a.b.", "a.b.c", "-a.b.C", "a-.b.C", "a.-b.C", "a.b-.C",
                    "a_b.c.D", "a.b.C_d", "a.b.C-d", "é.b.C", "a.b.Cé", "a b.c.D", "0a.b.C"] {
            #expect(!VarlinkNames.isValidQualifiedMethod(bad), "\(bad)")
        }
        #expect(VarlinkCall(method: "a.b.Cé").methodName == "Cé")
        #expect(VarlinkCall(method: "nodot").interface == "")
    }

    @Test func callSerialisationRoundTrips() throws {
        let c = VarlinkCall(method: "io.inward.Session.Mark", parameters: ["kind": "note", "fields": ["hr": 72]], more: false)
        let bytes = c.serialized()
        #expect(text(bytes) == #"{"method":"io.inward.Session.Mark","parameters":{"kind":"note","fields":{"hr":72}}}"# + "\0")
        #expect(try VarlinkCall.parse(Array(bytes.dropLast())) == c)
        let m = VarlinkCall(method: "io.inward.Session.Monitor", more: true)
        #expect(text(m.serialized()) == #"{"method":"io.inward.Session.Monitor","more":true}"# + "\0")
    }

    @Test func replySerialisationIsExact() {
        #expect(VarlinkReply(["seq": 3]).serialized() == Array(#"{"parameters":{"seq":3}}"#.utf8) + [0])
        #expect(VarlinkReply().serialized() == Array("{}".utf8) + [0])
        #expect(VarlinkReply(parameters: ["a": 1.5, "b": nil, "c": "é\n"], continues: true).serialized()
            == Array(#"{"parameters":{"a":1.5,"b":null,"c":"é\n"},"continues":true}"#.utf8) + [0])
        #expect(VarlinkReply.error("io.inward.Session.NoSession").serialized()
            == Array(#"{"error":"io.inward.Session.NoSession","parameters":{}}"#.utf8) + [0])
        #expect(VarlinkReply(parameters: nil, continues: true, error: nil).serialized()
            == Array(#"{"continues":true}"#.utf8) + [0])
        var out: [UInt8] = [1, 2]
        VarlinkReply(["x": true]).serialize(into: &out)
        #expect(out == [1, 2] + Array(#"{"parameters":{"x":true}}"#.utf8) + [0])
    }

    @Test func replyParsing() throws {
        let r = try VarlinkReply.parse(Array(#"{"parameters":{"a":1},"continues":true,"future":1}"#.utf8))
        #expect(r == VarlinkReply(parameters: ["a": 1], continues: true))
        let e = try VarlinkReply.parse(Array(#"{"error":"org.varlink.service.ExpectedMore"}"#.utf8))
        #expect(e.error == "org.varlink.service.ExpectedMore" && e.parameters == nil && !e.continues)
        #expect(throws: VarlinkProtocolError.invalidMessage("'continues' must be a boolean, got string")) {
            try VarlinkReply.parse(Array(#"{"continues":"yes"}"#.utf8))
        }
        #expect(throws: VarlinkProtocolError.invalidMessage("a reply must be a JSON object, got array")) {
            try VarlinkReply.parse(Array("[]".utf8))
        }
    }

    @Test func typedAccessors() throws {
        let c = try call(#"""
        {"method":"io.inward.Session.Mark","parameters":{"s":"x","i":7,"f":2.5,"fi":3.0,"b":true,"o":{"k":1},"n":null,"big":1e30}}
        """#)
        #expect(try c.string("s") == "x")
        #expect(try c.optionalString("n") == nil)
        #expect(try c.optionalString("absent") == nil)
        #expect(try c.double("i") == 7)
        #expect(try c.double("f") == 2.5)
        #expect(try c.int("i") == 7)
        #expect(try c.int("fi") == 3)
        #expect(try c.optionalInt("n") == nil)
        #expect(try c.bool("b"))
        #expect(try c.optionalBool("absent") == nil)
        #expect(try c.object("o") == ["k": 1])
        #expect(try c.optionalObject("n") == nil)
        #expect(try c.optionalDouble("f") == 2.5)

        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "plan", reason: "missing (expected string)")) {
            try c.string("plan")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "n", reason: "missing (expected float)")) {
            try c.double("n")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "i", reason: "expected string, got int")) {
            try c.optionalString("i")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "f", reason: "expected int, got float")) {
            try c.int("f")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "big", reason: "expected int, got float")) {
            try c.int("big")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "s", reason: "expected float, got string")) {
            try c.double("s")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "s", reason: "expected object, got string")) {
            try c.optionalObject("s")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "o", reason: "expected bool, got object")) {
            try c.bool("o")
        }
        #expect(throws: VarlinkProtocolError.invalidParameter(parameter: "big", reason: "unknown parameter")) {
            try c.checkParameters(allowed: ["s", "i", "f", "fi", "b", "o", "n"])
        }
        try c.checkParameters(allowed: ["s", "i", "f", "fi", "b", "o", "n", "big"])

        // The error's reply names the parameter the standard way.
        let reply = VarlinkProtocolError.invalidParameter(parameter: "plan", reason: "missing (expected string)").reply
        #expect(text(reply.serialized())
            == #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"plan","reason":"missing (expected string)"}}"# + "\0")
    }

    @Test func framerAndParserTogether() throws {
        var f = VarlinkFramer()
        let calls = [
            VarlinkCall(method: "io.inward.Session.Start", parameters: ["plan": "standard-im", "client": "C-0042"]),
            VarlinkCall(method: "io.inward.Session.Dose", parameters: ["amount": "0.5 mg/kg"]),
            VarlinkCall(method: "io.inward.Session.Monitor", more: true),
        ]
        let stream = calls.flatMap { $0.serialized() }
        for b in stream { f.append([b]) }
        var parsed: [VarlinkCall] = []
        while let m = try f.next() { parsed.append(try VarlinkCall.parse(m)) }
        #expect(parsed == calls)
    }
}
