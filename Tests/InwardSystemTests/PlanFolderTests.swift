@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `Start` plays plans only from the daemon's plan folders: by name, or by a
/// path that lands inside one once symlinks and `..` are resolved. Anything
/// else is refused without being opened, with an error naming the path, the
/// plan folders and where to put the plan.
@Suite("inwardd plans only from plan folders", .serialized)
struct PlanFolderTests {
    static let plan = PlanFixture.soundscapes(name: "inside")
    /// What the file outside holds; it must never reach a client.
    static let secret = "not-a-plan SECRET-7f3a: the daemon must never quote this"

    /// A daemon whose plan folder holds `inside.toml`, with a folder `outside`
    /// beside it holding `secret.toml` (not a plan) and a FIFO `fifo.toml`.
    func daemon(extraArguments: [String] = []) throws -> (DaemonHarness, outside: URL) {
        let daemon = try DaemonHarness(plans: Self.plan.files, pace: 20, extraArguments: extraArguments)
        let outside = daemon.directory.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Self.secret.write(to: outside.appendingPathComponent("secret.toml"), atomically: true, encoding: .utf8)
        try Self.plan.toml.write(to: outside.appendingPathComponent("valid.toml"), atomically: true, encoding: .utf8)
        #expect(mkfifo(outside.appendingPathComponent("fifo.toml").path, 0o644) == 0)
        return (daemon, outside)
    }

    func real(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// Starts `plan`, expects the refusal, and checks what it says.
    func expectRefused(_ c: VarlinkTestClient, _ plan: String, naming path: String, folder: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reply = try c.call(.start, ["plan": .string(plan)])
        #expect(reply.error == "io.inward.Session.InvalidParameter", "\(plan): \(reply.object)", sourceLocation: sourceLocation)
        #expect(reply.object["parameter"]?.stringValue == "plan", sourceLocation: sourceLocation)
        let reason = reply.object["reason"]?.stringValue ?? ""
        #expect(reason.contains(path), "the error does not name \(path): \(reason)", sourceLocation: sourceLocation)
        #expect(reason.contains(folder), "the error does not name the plan folder \(folder): \(reason)", sourceLocation: sourceLocation)
        #expect(reason.contains("copy the plan into one of them"), "\(reason)", sourceLocation: sourceLocation)
        #expect(!reason.contains("SECRET") && !String(decoding: reply.serialized(), as: UTF8.self).contains("SECRET"), sourceLocation: sourceLocation)
        let status = try c.call(.status)
        #expect(status.object["status"]?["state"]?.stringValue == "idle", "\(plan) started a session", sourceLocation: sourceLocation)
    }

    @Test("a path outside the plan folders is refused unread, also through .., a symlink, a relative path or a FIFO")
    func refusesOutside() throws {
        let (daemon, outside) = try daemon()
        defer { daemon.terminate() }
        let plans = daemon.plans.path
        let c = try daemon.client()
        let secret = outside.appendingPathComponent("secret.toml").path

        // Plain, absolute.
        try expectRefused(c, secret, naming: secret, folder: plans)
        // A valid plan is refused all the same: the place decides, not the content.
        try expectRefused(c, outside.appendingPathComponent("valid.toml").path, naming: "valid.toml", folder: plans)
        // `..` out of the plan folder, absolute and relative to it.
        try expectRefused(c, plans + "/../outside/secret.toml", naming: "secret.toml", folder: plans)
        try expectRefused(c, "../outside/secret.toml", naming: "secret.toml", folder: plans)
        // A symlink inside the plan folder that leads out of it.
        #expect(symlink(secret, plans + "/link.toml") == 0)
        try expectRefused(c, plans + "/link.toml", naming: real(secret), folder: plans)
        // ...which is no plan by name either.
        #expect(try c.call(.start, ["plan": "link"]).error == "io.inward.Session.PlanNotFound")
        // A symlinked folder inside that leads out.
        #expect(symlink(outside.path, plans + "/sub") == 0)
        try expectRefused(c, plans + "/sub/secret.toml", naming: real(secret), folder: plans)
        // A path that does not exist outside is refused the same way (its absence is not told).
        try expectRefused(c, outside.appendingPathComponent("absent.toml").path, naming: "absent.toml", folder: plans)

        // A FIFO outside: opening it for reading would block the daemon until
        // a writer came. The refusal comes, and the daemon goes on serving.
        let fifo = outside.appendingPathComponent("fifo.toml").path
        try expectRefused(c, fifo, naming: fifo, folder: plans)
        #expect(try daemon.client().call(.status).error == nil)
        // A FIFO inside a plan folder is no plan either (and ListPlans does not read it).
        #expect(mkfifo(plans + "/pipe.toml", 0o644) == 0)
        let pipe = try c.call(.start, ["plan": .string(plans + "/pipe.toml")])
        #expect(pipe.error == "io.inward.Session.InvalidParameter")
        #expect(pipe.object["reason"]?.stringValue?.contains("not a regular file") == true, "\(pipe.object)")
        let listed = try c.call(.listPlans)
        let names = listed.object["plans"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names == ["inside"], "ListPlans: \(listed.object)")
        #expect(daemon.process.isRunning)
    }

    @Test("a plan by name, by a path inside a folder, and through .. or a symlink that land inside, starts")
    func acceptsInside() throws {
        let (daemon, outside) = try daemon()
        defer { daemon.terminate() }
        let plans = daemon.plans.path
        try FileManager.default.createDirectory(atPath: plans + "/sub", withIntermediateDirectories: true)
        #expect(symlink(plans + "/inside.toml", outside.appendingPathComponent("to-inside.toml").path) == 0)
        let c = try daemon.client()
        let inside = real(plans + "/inside.toml")
        for request in ["inside", "inside.toml", plans + "/inside.toml", plans + "/sub/../inside.toml", "sub/../inside.toml",
                        outside.appendingPathComponent("to-inside.toml").path] {
            let started = try c.call(.start, ["plan": .string(request)])
            #expect(started.error == nil, "\(request): \(started.object)")
            // The log records the file the request resolved to.
            let id = started.object["session_id"]?.stringValue ?? "?"
            let log = daemon.state.appendingPathComponent("sessions/\(id).jsonl").path
            let first = FileManager.default.contents(atPath: log).flatMap { data in
                data.split(separator: 10).first.flatMap { try? JSONValue.parse(Array($0)).objectValue }
            }
            let file = first?["fields"]?["plan_file"]?.stringValue
            #expect(file.map(real) == inside, "\(request): plan_file \(String(describing: file))")
            #expect(try c.call(.stop).error == nil)
            #expect(waitUntil(timeout: 30) { (try? c.call(.status))?.object["status"]?["state"]?.stringValue == "idle" },
                    "the session of \(request) did not end")
        }
    }

    @Test("allow_plans_anywhere lets root start a plan file outside the folders, still never a FIFO")
    func anywhereForRoot() throws {
        try #require(getuid() == 0, "this test runs as root (as CI does)")
        let config = TestAudio.temporaryDirectory("config").appendingPathComponent("inwardd.toml")
        try "allow_plans_anywhere = true\n".write(to: config, atomically: true, encoding: .utf8)
        let (daemon, outside) = try daemon(extraArguments: ["--config", config.path])
        defer { daemon.terminate() }
        let c = try daemon.client()
        let started = try c.call(.start, ["plan": .string(outside.appendingPathComponent("valid.toml").path)])
        #expect(started.error == nil, "\(started.object)")
        #expect(try c.call(.stop).error == nil)
        #expect(waitUntil(timeout: 30) { (try? c.call(.status))?.object["status"]?["state"]?.stringValue == "idle" })
        let fifo = try c.call(.start, ["plan": .string(outside.appendingPathComponent("fifo.toml").path)])
        #expect(fifo.error == "io.inward.Session.InvalidParameter", "\(fifo.object)")
        #expect(fifo.object["reason"]?.stringValue?.contains("not a regular file") == true)
    }
}
