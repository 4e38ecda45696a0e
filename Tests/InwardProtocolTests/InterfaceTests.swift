import Foundation
import Testing
@testable import InwardProtocol

/// Runs python3 with `script`, the given arguments and stdin; returns (status, stdout, stderr).
private func python(_ script: String, _ arguments: [String] = [], stdin: [UInt8] = []) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(stdin))
    try input.fileHandleForWriting.close()
    // Drain stderr concurrently so a chatty child cannot block on a full pipe.
    let errorData = Box()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    group.wait()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: errorData.get(), as: UTF8.self))
}

private final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data { lock.withLock { data } }
}

/// Parses an IDL file with the Python `varlink` package (an independent implementation),
/// then checks what its parser does not: every referenced type is defined and every member
/// has a doc comment. Prints "methods: ..." and "errors: ..." lines.
private let validateIDL = #"""
import sys
try:
    import varlink
    from varlink import scanner
except ImportError:
    print("the Python varlink package is missing: pip install varlink==31.0.0", file=sys.stderr)
    sys.exit(3)
interface = varlink.Interface(open(sys.argv[1]).read())
assert interface.name == sys.argv[2], "interface name %r" % interface.name
problems = []
import re, collections
declared = re.findall(r"^(?:type|method|error)\s+([A-Za-z0-9]+)", open(sys.argv[1]).read(), re.M)
for name, n in collections.Counter(declared).items():
    if n > 1:
        problems.append("member name %s is declared %d times (types, methods and errors share one namespace)" % (name, n))
def walk(t, where):
    if isinstance(t, scanner._CustomType):
        m = interface.members.get(t.name)
        if not isinstance(m, scanner._Alias):
            problems.append("%s: type %s is not defined" % (where, t.name))
    elif isinstance(t, (scanner._Maybe, scanner._Array, scanner._Dict)):
        walk(t.element_type, where)
    elif isinstance(t, scanner._Struct):
        for k, v in t.fields.items():
            walk(v, where + "." + k)
for name, m in interface.members.items():
    if not (m.doc or "").strip():
        problems.append("%s has no doc comment" % name)
    if isinstance(m, scanner._Method):
        walk(m.in_type, name + "(in)")
        walk(m.out_type, name + "(out)")
    else:
        walk(m.type, name)
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("methods: " + " ".join(n for n, m in interface.members.items() if isinstance(m, scanner._Method)))
print("errors: " + " ".join(n for n, m in interface.members.items() if isinstance(m, scanner._Error)))
print("types: " + " ".join(n for n, m in interface.members.items() if isinstance(m, scanner._Alias)))
for n, m in interface.members.items():
    if isinstance(m, scanner._Method):
        print("in." + n + ": " + " ".join(sorted(m.in_type.fields.keys())))
"""#

private func validateWithPython(_ idl: String, name: String) throws -> [String: [String]] {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("inward-idl-\(ProcessInfo.processInfo.processIdentifier)-\(name).varlink").path
    try idl.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (status, out, err) = try python(validateIDL, [path, name])
    if status == 3 {
        Issue.record("python varlink is not installed: run `pip install varlink==31.0.0` (CI installs it). \(err)")
        return [:]
    }
    #expect(status == 0, "python varlink rejected the \(name) IDL:\n\(err)")
    var lists: [String: [String]] = [:]
    for line in out.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { continue }
        lists[String(parts[0])] = parts[1].split(separator: " ").map(String.init)
    }
    return lists
}

@Suite("Interfaces and org.varlink.service")
struct InterfaceTests {
    @Test func inwardSessionIDLIsValidForPythonVarlink() throws {
        let lists = try validateWithPython(InwardSessionInterface.description, name: "io.inward.Session")
        let methods = ["Start", "Dose", "Status", "Monitor", "Pause", "Resume", "Hold", "Next", "Skip",
                       "SetVolume", "SetOutput", "Silence", "Mark", "Stop", "Discharge", "ListPlans",
                       "Calm", "Intensity", "Brightness"]
        #expect(lists["methods"] == methods)
        #expect(InwardSessionInterface.methods == methods)
        // One enum for the CLI and the service's method table: the same methods,
        // and the parameters the service accepts are those the IDL declares
        // (as an independent parser reads them).
        #expect(SessionMethod.allCases.map(\.name) == methods)
        for method in SessionMethod.allCases {
            #expect(method.parameters.sorted() == (lists["in." + method.name] ?? []),
                    "\(method.name): the service accepts \(method.parameters.sorted()), the IDL declares \(lists["in." + method.name] ?? [])")
            #expect(method.qualifiedName == "io.inward.Session." + method.name)
        }
        #expect(SessionMethod.start.parameters == ["plan", "client", "playlists"] && SessionMethod.status.parameters.isEmpty)
        #expect(lists["errors"] == InwardSessionInterface.errors)
        #expect(lists["types"] == ["State", "SourceKind", "Route", "Phase", "Track", "VitalsDue", "Aftercare", "VitalAlert", "Output", "SessionStatus", "Event",
                                  "PlanInfo"])
        for e in ["NoSession", "SessionActive", "PlanInvalid", "PlanNotFound", "DeviceUnavailable", "InvalidParameter",
                  "HoldLimit", "NotWaitingForDose", "MessageTooLarge", "MalformedMessage", "TooManyClients"] {
            #expect(InwardSessionInterface.errors.contains(e), "missing error \(e)")
        }
    }

    @Test func serviceIDLIsValidForPythonVarlink() throws {
        let lists = try validateWithPython(VarlinkService.description, name: "org.varlink.service")
        #expect(lists["methods"] == ["GetInfo", "GetInterfaceDescription"])
        #expect(lists["errors"] == ["InterfaceNotFound", "MethodNotFound", "MethodNotImplemented", "InvalidParameter",
                                    "PermissionDenied", "ExpectedMore"])
    }

    @Test func brokenIDLIsRejectedByTheChecker() throws {
        // The check can fail: a syntax error and an undefined type are both caught.
        let broken = InwardSessionInterface.description.replacingOccurrences(of: "method Status() -> (status: SessionStatus)",
                                                                             with: "method Status() -> (status: SessionStatus")
        #expect(broken != InwardSessionInterface.description)
        let brokenPath = try write(broken)
        defer { try? FileManager.default.removeItem(atPath: brokenPath) }
        let (status, _, _) = try python(validateIDL, [brokenPath, "io.inward.Session"])
        #expect(status == 1)
        let undefined = InwardSessionInterface.description.replacingOccurrences(of: "-> (plans: []PlanInfo)",
                                                                                with: "-> (plans: []PlanInf)")
        #expect(undefined != InwardSessionInterface.description)
        let undefinedPath = try write(undefined)
        defer { try? FileManager.default.removeItem(atPath: undefinedPath) }
        let (status2, _, err2) = try python(validateIDL, [undefinedPath, "io.inward.Session"])
        #expect(status2 == 1)
        #expect(err2.contains("PlanInf is not defined"))
        let duplicate = InwardSessionInterface.description.replacingOccurrences(of: "type SessionStatus (",
                                                                                with: "type Status (")
        let duplicatePath = try write(duplicate)
        defer { try? FileManager.default.removeItem(atPath: duplicatePath) }
        let (status3, _, err3) = try python(validateIDL, [duplicatePath, "io.inward.Session"])
        #expect(status3 == 1)
        #expect(err3.contains("member name Status is declared 2 times"))
    }

    private func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("inward-idl-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).varlink").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func errorHelpersUseDeclaredNames() {
        let replies = [
            InwardSessionInterface.Errors.noSession(),
            InwardSessionInterface.Errors.sessionActive(sessionID: "s", state: "aftercare"),
            InwardSessionInterface.Errors.doseAlreadyMarked(time: "t", t0Seconds: 1),
            InwardSessionInterface.Errors.routeMismatch(planRoute: "im", route: "iv"),
            InwardSessionInterface.Errors.inAftercare(),
            InwardSessionInterface.Errors.musicPlaying(state: "playing"),
            InwardSessionInterface.Errors.dischargeTooEarly(t0Seconds: 1, allowedAt: 2),
            InwardSessionInterface.Errors.noSuchMark(seq: 3),
            InwardSessionInterface.Errors.planInvalid(file: "f", line: 3, key: nil, message: "m"),
            InwardSessionInterface.Errors.planNotFound(plan: "p"),
            InwardSessionInterface.Errors.deviceUnavailable(device: "d", reason: "r"),
            InwardSessionInterface.Errors.invalidParameter("p", reason: "r"),
            InwardSessionInterface.Errors.holdLimit(heldSeconds: 1, maxSeconds: 2),
            InwardSessionInterface.Errors.notWaitingForDose(state: "stopping"),
            InwardSessionInterface.Errors.waitingForDose(),
            InwardSessionInterface.Errors.noNextPhase(),
            InwardSessionInterface.Errors.nothingToSkip(),
            InwardSessionInterface.Errors.logWriteFailed(path: "p", reason: "r"),
            InwardSessionInterface.Errors.tooManyClients(maxClients: 64),
            InwardSessionInterface.Errors.messageTooLarge(maxBytes: 65536),
            InwardSessionInterface.Errors.malformedMessage(reason: "r", offset: nil),
            InwardSessionInterface.Errors.noCalm(plan: "p"),
            InwardSessionInterface.Errors.noSoundscape(),
        ]
        let names = replies.compactMap { $0.error }
        #expect(names.count == replies.count)
        #expect(Set(names) == Set(InwardSessionInterface.errors.map { "io.inward.Session.\($0)" }))
        #expect(String(decoding: InwardSessionInterface.Errors.planInvalid(file: "plans/a.toml", line: 12, key: "phase[1].level_db",
                                                                          message: "above the cap").serialized(), as: UTF8.self)
            == #"{"error":"io.inward.Session.PlanInvalid","parameters":{"file":"plans/a.toml","line":12,"key":"phase[1].level_db","message":"above the cap"}}"# + "\0")
    }

    @Test func standardErrorReplies() {
        func text(_ r: VarlinkReply) -> String { String(decoding: r.serialized(), as: UTF8.self) }
        typealias E = VarlinkService.Errors
        #expect(text(E.methodNotFound("io.inward.Session.Nope"))
            == #"{"error":"org.varlink.service.MethodNotFound","parameters":{"method":"io.inward.Session.Nope"}}"# + "\0")
        #expect(text(E.interfaceNotFound("com.example.X"))
            == #"{"error":"org.varlink.service.InterfaceNotFound","parameters":{"interface":"com.example.X"}}"# + "\0")
        #expect(text(E.methodNotImplemented("io.inward.Session.Skip"))
            == #"{"error":"org.varlink.service.MethodNotImplemented","parameters":{"method":"io.inward.Session.Skip"}}"# + "\0")
        #expect(text(E.invalidParameter("plan"))
            == #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"plan"}}"# + "\0")
        #expect(text(E.expectedMore()) == #"{"error":"org.varlink.service.ExpectedMore","parameters":{}}"# + "\0")
        #expect(text(E.permissionDenied()) == #"{"error":"org.varlink.service.PermissionDenied","parameters":{}}"# + "\0")
        #expect(VarlinkProtocolError.messageTooLarge(limit: 65536).reply.serialized()
            == Array(#"{"error":"io.inward.Session.MessageTooLarge","parameters":{"max_bytes":65536}}"#.utf8) + [0])
    }

    @Test func getInfoAndGetInterfaceDescription() throws {
        let info = VarlinkService.handle(VarlinkCall(method: "org.varlink.service.GetInfo"), version: "0.3.0",
                                         url: "https://example.org/inward")
        #expect(info.map { String(decoding: $0.serialized(), as: UTF8.self) }
            == #"{"parameters":{"vendor":"Inward","product":"inwardd","version":"0.3.0","url":"https://example.org/inward","interfaces":["org.varlink.service","io.inward.Session"]}}"# + "\0")

        for name in VarlinkService.interfaces {
            let reply = VarlinkService.handle(
                VarlinkCall(method: "org.varlink.service.GetInterfaceDescription", parameters: ["interface": .string(name)]),
                version: "0", url: "")
            #expect(reply?.error == nil)
            #expect(reply?.parameters?["description"]?.stringValue == VarlinkService.interfaceDescription(name))
            // The description survives serialisation and re-parsing byte for byte.
            let back = try VarlinkReply.parse(Array(reply!.serialized().dropLast()))
            #expect(back.parameters?["description"]?.stringValue?.contains("interface \(name)\n") == true)
        }

        let missing = VarlinkService.handle(
            VarlinkCall(method: "org.varlink.service.GetInterfaceDescription", parameters: ["interface": "com.example.Nope"]),
            version: "0", url: "")
        #expect(missing == VarlinkService.Errors.interfaceNotFound("com.example.Nope"))
        let noParam = VarlinkService.handle(VarlinkCall(method: "org.varlink.service.GetInterfaceDescription"), version: "0", url: "")
        #expect(noParam?.error == "org.varlink.service.InvalidParameter")
        #expect(noParam?.parameters?["parameter"] == "interface")
        let extra = VarlinkService.handle(VarlinkCall(method: "org.varlink.service.GetInfo", parameters: ["x": 1]), version: "0", url: "")
        #expect(extra?.parameters?["parameter"] == "x")
        let unknown = VarlinkService.handle(VarlinkCall(method: "org.varlink.service.Ping"), version: "0", url: "")
        #expect(unknown == VarlinkService.Errors.methodNotFound("org.varlink.service.Ping"))
        #expect(VarlinkService.handle(VarlinkCall(method: "io.inward.Session.Status"), version: "0", url: "") == nil)
    }

    @Test func unknownMethodRouting() {
        #expect(VarlinkService.unknownMethodReply(VarlinkCall(method: "io.inward.Session.Status")) == nil)
        #expect(VarlinkService.unknownMethodReply(VarlinkCall(method: "org.varlink.service.GetInfo")) == nil)
        #expect(VarlinkService.unknownMethodReply(VarlinkCall(method: "io.inward.Session.Rewind"))
            == VarlinkService.Errors.methodNotFound("io.inward.Session.Rewind"))
        #expect(VarlinkService.unknownMethodReply(VarlinkCall(method: "com.example.Foo.Bar"))
            == VarlinkService.Errors.interfaceNotFound("com.example.Foo"))
    }

    @Test func docsQuoteTheInterfaceVerbatim() throws {
        // Tests/InwardProtocolTests/InterfaceTests.swift -> docs/protocol.md
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        #expect(docs.contains("```varlink\n" + InwardSessionInterface.description + "\n```\n"),
                "docs/protocol.md must quote InwardSessionInterface.description verbatim in a ```varlink block")
    }

    @Test func pythonReadsOurJSON() throws {
        // An independent JSON reader agrees with our serialiser on tricky values.
        let value: JSONValue = [
            "s": .string("quote\" back\\ nl\n nul\u{0} é 😀 \u{1F}"), "i": .integer(Int64.min), "f": -0.0,
            "e": 1e-7, "big": 1.7976931348623157e308, "a": [true, false, nil, [:], []],
        ]
        let script = #"""
import json, sys, math
v = json.loads(sys.stdin.buffer.read().decode("utf-8"))
assert v["s"] == "quote\" back\\ nl\n nul\u0000 \u00e9 \U0001F600 \u001f", repr(v["s"])
assert v["i"] == -9223372036854775808 and isinstance(v["i"], int)
assert v["f"] == 0.0 and math.copysign(1, v["f"]) == -1.0 and isinstance(v["f"], float)
assert v["e"] == 1e-7 and v["big"] == 1.7976931348623157e308
assert v["a"] == [True, False, None, {}, []]
assert list(v.keys()) == ["s", "i", "f", "e", "big", "a"]
print("ok")
"""#
        let (status, out, err) = try python(script, stdin: value.jsonBytes)
        #expect(status == 0, "\(err)")
        #expect(out == "ok\n")
    }
}
