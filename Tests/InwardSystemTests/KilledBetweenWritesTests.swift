@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A control's event reaches the log just before the saved state is written
/// (two files, two writes): a daemon killed between the two leaves a log a
/// step ahead of `state.json`. The next daemon goes by the log. Found by
/// scripts/soak's kills; here the kill falls between the writes for sure
/// (the state is put back as it was before the second write).
@Suite("inwardd killed between a log write and the saved state", .serialized)
struct KilledBetweenWritesTests {
    @Test("a stop in the log but not in the state: the session is not resumed, as for any stop that was fading it out")
    func stopInTheLogOnly() throws {
        let first = try DaemonHarness(plans: ["resumed.toml": ResumeTests.plan], pace: 1, prepare: ResumeTests.prepare)
        let a = try first.client()
        let id = try #require(try a.call(.start, ["plan": "resumed"]).object["session_id"]?.stringValue)
        try a.waitForClock(0.5)
        let statePath = first.state.appendingPathComponent("state.json")
        let beforeStop = try Data(contentsOf: statePath)
        #expect(try a.call(.stop, ["by": "test"]).error == nil)
        // Within the 3 s fade: the state says stopping; put back the one before it.
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        try beforeStop.write(to: statePath)

        let second = try DaemonHarness(plans: ["resumed.toml": ResumeTests.plan], pace: 1, state: first.state)
        #expect(try second.client().sessionStatus()["state"]?.stringValue == "idle")
        let log = first.state.appendingPathComponent("sessions/\(id).jsonl").path
        let end = try #require(try SessionLogLines.read(log).last)
        #expect(end["kind"]?.stringValue == "session.end")
        let reason = end["fields"]?["reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("not resumed: it was being stopped"), "reason: \(reason)")
        #expect(try ProcessRun.product("inward", ["verify", log]).status == 0)
        second.terminate()
    }

    @Test("a log begun with no saved state (killed while starting): the next daemon closes it, and leaves closed logs alone")
    func startWithoutState() throws {
        let first = try DaemonHarness(plans: ["resumed.toml": ResumeTests.plan], pace: 1, prepare: ResumeTests.prepare)
        let a = try first.client()
        let id = try #require(try a.call(.start, ["plan": "resumed"]).object["session_id"]?.stringValue)
        try a.waitForClock(0.2)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        try FileManager.default.removeItem(at: first.state.appendingPathComponent("state.json"))

        let second = try DaemonHarness(plans: ["resumed.toml": ResumeTests.plan], pace: 1, state: first.state)
        #expect(try second.client().sessionStatus()["state"]?.stringValue == "idle")
        let log = first.state.appendingPathComponent("sessions/\(id).jsonl").path
        let closed = try SessionLogLines.read(log)
        let end = try #require(closed.last)
        #expect(end["kind"]?.stringValue == "session.end")
        #expect(end["fields"]?["reason"]?.stringValue == "not resumed: the daemon went down before the session's state was saved",
                "\(end)")
        #expect(try ProcessRun.product("inward", ["verify", log]).status == 0)
        second.terminate()

        // Closed, it stays as it is.
        let third = try DaemonHarness(plans: ["resumed.toml": ResumeTests.plan], pace: 1, state: first.state)
        #expect(try third.client().sessionStatus()["state"]?.stringValue == "idle")
        #expect(try SessionLogLines.read(log).count == closed.count)
        third.terminate()
    }
}
