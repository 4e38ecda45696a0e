@testable import InwardTestSupport
import Foundation
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bad clients against the real daemon while a session plays.
@Suite("inwardd under a flood of bad messages", .serialized)
struct DaemonRobustnessTests {
    /// The kinds of bad message sent, round robin.
    static func badMessage(_ i: Int) -> [UInt8] {
        switch i % 8 {
        case 0: return Array("{\"method\":\"io.inward.Session.Status\"".utf8) + [0]          // truncated JSON
        case 1: return Array("not json at all".utf8) + [0]
        case 2: return Array("[1,2,3]".utf8) + [0]                                            // not an object
        case 3: return Array("{\"method\":42}".utf8) + [0]                                     // wrong type
        case 4: return Array("{\"method\":\"io.inward.Session.Hold\",\"parameters\":{\"seconds\":\"soon\"}}".utf8) + [0]
        case 5: return [UInt8](repeating: UInt8(ascii: "x"), count: 70_000) + [0]              // oversized
        case 6: return Array("{\"method\":\"io.inward.Session.Status\",\"parameters\":{}".utf8) // no NUL, then hang up
        default: return Array("{\"method\":\"io.inward.Session.Nope\"}".utf8) + [0]            // unknown method
        }
    }

    @Test("a control under another interface's name (x.y.Stop) is InterfaceNotFound and does not touch the session")
    func otherInterfaceDoesNotControl() throws {
        let daemon = try DaemonHarness(plans: ["logged.toml": SessionLogTests.plan], pace: 4)
        let c = try daemon.client()
        #expect(try c.call(.start, ["plan": "logged"]).error == nil)
        for method in ["x.y.Stop", "org.example.Session.Pause", "io.inward.Sessions.Stop"] {
            let r = try c.call(method)
            #expect(r.error == "org.varlink.service.InterfaceNotFound", "\(method): \(String(describing: r.error))")
        }
        #expect(try c.sessionStatus()["state"]?.stringValue == "waiting_for_dose")
        daemon.terminate()
    }

    @Test("1000 malformed, truncated or oversized messages from 20 clients: the session plays on and good clients get answers")
    func flood() throws {
        let daemon = try DaemonHarness(plans: ["system.toml": DaemonSessionTests.plan], pace: 2) { dir in
            for name in ["a", "b", "c"] {
                try TonePlaylist.single(name, frequency: 440, seconds: 60).write(to: dir)
            }
        }
        let good = try daemon.client()
        let monitor = try DaemonSessionTests.Monitor(socket: daemon.socket)
        #expect(try good.call(.start, ["plan": "system"]).error == nil)
        try good.waitForClock(0.6)

        let sent = Atomic<Int>(0)
        let answeredWithError = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let socket = daemon.socket
        for t in 0..<20 {
            Thread {
                for k in 0..<50 {
                    let i = t * 50 + k
                    guard let c = try? VarlinkTestClient(path: socket) else { continue }
                    try? c.sendRaw(Self.badMessage(i))
                    sent.add(1, ordering: .relaxed)
                    if i % 8 != 6, let reply = try? c.receive(), reply.error != nil {
                        answeredWithError.add(1, ordering: .relaxed)
                    }
                }
                done.add(1, ordering: .relaxed)
            }.start()
        }
        // Meanwhile a well-formed client keeps asking for status.
        var goodAnswers = 0
        while done.load(ordering: .relaxed) < 20 {
            let reply: VarlinkReply
            do { reply = try good.call(.status) } catch {
                Issue.record("the good client got no answer during the flood: \(error); daemon log: \(daemon.terminate().log.suffix(1500))")
                return
            }
            if reply.object["status"]?["state"]?.stringValue == "waiting_for_dose" { goodAnswers += 1 }
        }
        #expect(sent.load(ordering: .relaxed) == 1000)
        #expect(answeredWithError.load(ordering: .relaxed) >= 1000 * 7 / 8 - 10, "bad messages should get an error reply")
        #expect(goodAnswers > 10)

        // A new client is served normally; the session is still the same and playing.
        let fresh: VarlinkTestClient
        do { fresh = try daemon.client() } catch {
            Issue.record("no new connection after the flood: \(error); daemon log: \(daemon.terminate().log.suffix(1500))")
            return
        }
        #expect(try fresh.call(.status).object["status"]?["state"]?.stringValue == "waiting_for_dose")
        #expect(try fresh.call(.dose).object["t0"]?.boolValue == true)
        _ = try fresh.call(.stop)
        let deadline = Date().addingTimeInterval(TestTime.scaled(20))
        while Date() < deadline, (try fresh.call(.status)).object["status"]?["state"]?.stringValue != "idle" {
            usleep(20_000)
        }
        let (code, log) = daemon.terminate()
        #expect(code == 0, "inwardd exited \(code): \(log.suffix(1500))")
        #expect(monitor.all("audio.underrun").isEmpty, "the audio thread ran dry during the flood")
        let x = try WavReader.read(daemon.capture).channels[0]
        #expect(AudioAnalysis.maxStep(x) < 0.05, "a gap or click in the audio during the flood")
    }
}
