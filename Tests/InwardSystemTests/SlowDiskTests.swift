@testable import InwardTestSupport
import Foundation
import InwardPOSIX
import InwardProtocol
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The control server never waits on the disk: with the daemon's fsync and
/// fdatasync slowed (2 s each) or stuck at the libc boundary (an LD_PRELOAD
/// library, `FaultInjection`), other clients' Status and Monitor calls are
/// answered while a control waits for its event and state to reach the disk,
/// and the control's reply still comes only once they have.
@Suite("inwardd on a slow or hung disk", .serialized)
struct SlowDiskTests {
    static let plan = PlanFixture.soundscapes(name: "slow")

    /// One call on a connection of its own, whose reply a thread waits for.
    final class Pending: @unchecked Sendable {
        let client: VarlinkTestClient
        /// Monotonic nanoseconds when the call was sent.
        let sent: UInt64
        private let outcome = Mutex<(reply: VarlinkReply?, at: UInt64)?>(nil)

        init(socket: String, _ method: SessionMethod, _ parameters: JSONObject = [:]) throws {
            // A generous receive timeout: a slow disk holds this reply for seconds.
            client = try VarlinkTestClient(path: socket, timeout: 120)
            sent = MonotonicClock.nanoseconds
            try client.sendRaw(VarlinkCall(method: method.qualifiedName, parameters: parameters).serialized())
            Thread { [self] in
                let reply = try? client.receive()
                outcome.withLock { $0 = (reply, MonotonicClock.nanoseconds) }
            }.start()
        }

        /// The reply has come (or the connection ended).
        var arrived: Bool { outcome.withLock { $0 != nil } }

        /// Waits for the reply; returns it and the seconds it took.
        func wait(timeout: Double = 120) throws -> (reply: VarlinkReply, seconds: Double) {
            let got = waitFor(timeout: timeout) { outcome.withLock { $0 } }
            guard let got, let reply = got.reply else {
                throw DaemonHarness.Failure(description: "no reply to the pending call")
            }
            return (reply, Double(got.at - sent) / 1e9)
        }
    }

    /// Collects a Monitor stream's events on a connection of its own.
    final class Monitor: @unchecked Sendable {
        let client: VarlinkTestClient
        let events = Mutex<[JSONObject]>([])

        init(socket: String) throws {
            client = try VarlinkTestClient(path: socket, timeout: 120)
            let first = try client.call(.monitor, more: true)
            precondition(first.continues, "Monitor must stream")
            Thread { [self] in
                while let reply = try? client.receive() {
                    if let event = reply.object["event"]?.objectValue { events.withLock { $0.append(event) } }
                }
            }.start()
        }

        func has(_ kind: String) -> Bool { events.withLock { $0.contains { $0["kind"]?.stringValue == kind } } }
    }

    /// While `pending` waits for the disk: `count` Status calls over three
    /// other connections and a new Monitor's first reply. Returns how many of
    /// them were answered before `pending`'s reply came (each is checked the
    /// moment its own answer is in).
    func answeredMeanwhile(_ daemon: DaemonHarness, _ pending: Pending, count: Int = 20) throws -> Int {
        let clients = try (0..<3).map { _ in try daemon.client() }
        var before = 0
        for i in 0..<count {
            let status = try clients[i % clients.count].call(.status)
            #expect(status.error == nil && status.object["status"]?.objectValue != nil, "Status \(i): \(status.object)")
            if !pending.arrived { before += 1 }
        }
        let monitor = try daemon.client()
        let first = try monitor.call(.monitor, more: true)
        #expect(first.continues && first.object["status"]?.objectValue != nil, "a new Monitor's first reply: \(first.object)")
        if !pending.arrived { before += 1 }
        return before
    }

    /// The session's log lines (the file as it stands), parsed.
    func logLines(_ daemon: DaemonHarness) -> [JSONObject] {
        let sessions = daemon.state.appendingPathComponent("sessions")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: sessions.path)) ?? []
        guard let file = files.first(where: { $0.hasSuffix(".jsonl") }),
              let data = FileManager.default.contents(atPath: sessions.appendingPathComponent(file).path) else { return [] }
        return data.split(separator: 10).compactMap { try? JSONValue.parse(Array($0)).objectValue }
    }

    func logHas(_ daemon: DaemonHarness, _ kind: String) -> Bool {
        logLines(daemon).contains { $0["kind"]?.stringValue == kind }
    }

    func stateFile(_ daemon: DaemonHarness) -> JSONObject? {
        let path = daemon.state.appendingPathComponent("state.json").path
        return FileManager.default.contents(atPath: path).flatMap { try? JSONValue.parse(Array($0)).objectValue }
    }

    @Test("fsync 2 s slower: while a volume control and a mark wait for the disk, Status and Monitor are answered; each reply comes after the delay with its event on disk")
    func slowDisk() throws {
        let delay = 2.0
        let daemon = try DaemonHarness(plans: Self.plan.files, pace: 1,
                                       addingEnvironment: try FaultInjection.slowDisk(milliseconds: Int(delay * 1000)))
        defer { daemon.terminate() }
        let start = try Pending(socket: daemon.socket, .start, ["plan": "slow"])
        #expect(try answeredMeanwhile(daemon, start) == 21, "Status and Monitor waited for the start's fsync")
        let started = try start.wait()
        #expect(started.reply.error == nil, "\(started.reply.object)")
        #expect(started.seconds >= delay, "the start was acknowledged after \(started.seconds) s, before its fsync")
        #expect(logHas(daemon, "session.start"))

        let volume = try Pending(socket: daemon.socket, .setVolume, ["db": -7.5])
        #expect(try answeredMeanwhile(daemon, volume) == 21, "Status and Monitor waited for the volume's fsync")
        let turned = try volume.wait()
        #expect(turned.reply.error == nil, "\(turned.reply.object)")
        #expect(turned.seconds >= delay, "the volume was acknowledged after \(turned.seconds) s, before its fsync")
        // As the reply arrives, the event is in the log and the state holds it.
        let volumeLine = logLines(daemon).last { $0["kind"]?.stringValue == "control.volume" }
        #expect(volumeLine?["fields"]?["db"]?.doubleValue == -7.5, "control.volume not in the log: \(String(describing: volumeLine))")
        #expect(stateFile(daemon)?["volume_db"]?.doubleValue == -7.5, "state.json: \(String(describing: stateFile(daemon)))")

        let mark = try Pending(socket: daemon.socket, .mark, ["kind": "eyeshades_on"])
        #expect(try answeredMeanwhile(daemon, mark) == 21, "Status and Monitor waited for the mark's fsync")
        let marked = try mark.wait()
        #expect(marked.reply.error == nil, "\(marked.reply.object)")
        #expect(marked.seconds >= delay, "the mark was acknowledged after \(marked.seconds) s, before its fsync")
        let seq = try #require(marked.reply.object["seq"]?.int64Value)
        #expect(logLines(daemon).contains { $0["seq"]?.int64Value == seq && $0["kind"]?.stringValue == "mark.eyeshades_on" },
                "mark #\(seq) not in the log when its reply came")
    }

    @Test("a disk that hangs: Start and a mark are not acknowledged while it hangs, everyone else is served, and both go on once it answers")
    func hungDisk() throws {
        let gates = TestAudio.temporaryDirectory("fsync-gate")
        let gate = gates.appendingPathComponent("open").path
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        let daemon = try DaemonHarness(plans: Self.plan.files, pace: 1,
                                       addingEnvironment: try FaultInjection.hungDisk(gate: gate))
        defer {
            FileManager.default.createFile(atPath: gate, contents: nil)
            daemon.terminate()
        }
        let watcher = try Monitor(socket: daemon.socket)

        // The disk hangs: Start's handler runs (its line is written), but nothing is durable.
        #expect(unlink(gate) == 0)
        let start = try Pending(socket: daemon.socket, .start, ["plan": "slow"])
        #expect(waitUntil(timeout: 30) { logHas(daemon, "session.start") }, "Start's event was never written")
        #expect(try answeredMeanwhile(daemon, start) == 21)
        #expect(!start.arrived, "Start was acknowledged while its event could not be on disk")
        #expect(!watcher.has("session.start"), "a monitor was sent an event that is not on disk")
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        let started = try start.wait()
        #expect(started.reply.error == nil, "\(started.reply.object)")
        #expect(waitUntil(timeout: 30) { watcher.has("session.start") })

        // Again for a mark, once the session runs.
        #expect(unlink(gate) == 0)
        let mark = try Pending(socket: daemon.socket, .mark, ["kind": "headphones_on"])
        #expect(waitUntil(timeout: 30) { logHas(daemon, "mark.headphones_on") }, "the mark's event was never written")
        #expect(try answeredMeanwhile(daemon, mark) == 21)
        #expect(!mark.arrived, "the mark was acknowledged while its event could not be on disk")
        #expect(!watcher.has("mark.headphones_on"))
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        let marked = try mark.wait()
        #expect(marked.reply.error == nil, "\(marked.reply.object)")
        let seq = try #require(marked.reply.object["seq"]?.int64Value)
        #expect(logLines(daemon).contains { $0["seq"]?.int64Value == seq })
        #expect(waitUntil(timeout: 30) { watcher.has("mark.headphones_on") })
    }
}
