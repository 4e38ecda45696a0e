import Foundation
@testable import InwardTestSupport
import InwardDaemon
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ControlServer: robustness")
struct RobustnessTests {
    /// One bad connection: what it sends, and the error it should get before EOF
    /// (nil: it hangs up without reading).
    static func badMessage(_ n: Int) -> (bytes: [UInt8], expected: [String?]) {
        switch n % 8 {
        case 0: return (Array("{".utf8) + [0], ["io.inward.Session.MalformedMessage"])
        case 1: return (Array("[1,2]".utf8) + [0], ["io.inward.Session.MalformedMessage"])
        case 2: return (Array(#"{"method":"io.inward.Test.Echo","parameters":"x"}"#.utf8) + [0],
                        ["io.inward.Session.MalformedMessage"])
        case 3: return ([UInt8](repeating: 0x61, count: 70_000) + [0], ["io.inward.Session.MessageTooLarge"])
        case 4: return (Array(#"{"method":"io.inward.Test.Ec"#.utf8), [])  // truncated, then hang up
        case 5:
            var garbage = (0..<200).map { UInt8(truncatingIfNeeded: ($0 * 131 + n * 7) % 251 + 1) }
            garbage.append(0)
            return (garbage, ["io.inward.Session.MalformedMessage"])
        case 6: return (Array(#"{"method":"io.inward.Test.Echo","parameters":{"k":1}}"#.utf8) + [0]
                        + Array(#"{"method":"#.utf8) + [0], [nil, "io.inward.Session.MalformedMessage"])
        default: return (Array(#"{"method":"org.varlink.service.GetInfo"}"#.utf8) + [0]
                         + [UInt8](repeating: 0x20, count: 100_000), [nil, "io.inward.Session.MessageTooLarge"])
        }
    }

    @Test("1000 malformed, truncated or oversized messages from 20 threads; a well-formed client keeps getting answers")
    func flood() throws {
        let server = try TestServer()
        defer { server.stop() }
        let good = try server.client()
        let problems = Mutex<[String]>([])
        let remaining = Atomic<Int>(20)
        let done = DispatchSemaphore(value: 0)

        for thread in 0..<20 {
            Thread {
                for i in 0..<50 {
                    let n = thread * 50 + i
                    let (bytes, expected) = Self.badMessage(n)
                    do {
                        let client = try server.client()
                        client.send(bytes)
                        for name in expected {
                            let reply = client.reply()
                            if reply?.error != name {
                                problems.withLock { $0.append("message \(n): expected \(name ?? "a reply"), got \(String(describing: reply))") }
                                break
                            }
                        }
                        if !expected.isEmpty && !client.isClosedByServer() {
                            problems.withLock { $0.append("message \(n): connection not closed after the error") }
                        }
                    } catch {
                        problems.withLock { $0.append("message \(n): \(error)") }
                    }
                }
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.signal() }
            }.start()
        }

        var answered = 0
        var wrong = 0
        while remaining.load(ordering: .acquiring) > 0 {
            let reply = good.exchange(#"{"method":"org.varlink.service.GetInfo"}"#)
            if reply?["vendor"] == "Inward" && reply?["version"] == "9.9.9-test" { answered += 1 } else { wrong += 1; break }
        }
        done.wait()
        #expect(wrong == 0)
        #expect(answered > 0)
        let found = problems.withLock { $0 }
        #expect(found.isEmpty, "\(found.prefix(10))")

        // Still serving, and every bad connection is gone.
        #expect(good.exchange(#"{"method":"io.inward.Test.Echo","parameters":{"after":true}}"#)?["after"] == true)
        #expect(try server.client().exchange(#"{"method":"org.varlink.service.GetInfo"}"#)?["vendor"] == "Inward")
        #expect(waitUntil(timeout: 20) { server.server.clientCount == 1 })
    }
}
