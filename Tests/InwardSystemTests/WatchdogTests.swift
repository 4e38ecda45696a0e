@testable import InwardTestSupport
import Foundation
import InwardPOSIX
import InwardProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// systemd's notify socket, played by the test: a datagram socket that
/// collects what the daemon sends (READY=1, STATUS=, WATCHDOG=1, STOPPING=1).
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(time: Date, text: String)] = []

    init(directory: URL) throws {
        let path = directory.appendingPathComponent("notify").path
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonHarness.Failure(description: "socket: \(errno)") }
        do {
            try UnixSocketAddress(path: path).bind(fd)
        } catch {
            Glibc.close(fd)
            throw DaemonHarness.Failure(description: "\(error)")
        }
        self.fd = fd
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread { [self] in receiveLoop() }.start()
    }

    private var closed = false

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            lock.lock(); let done = closed; lock.unlock()
            if done { return }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                lock.lock(); received.append((Date(), text)); lock.unlock()
            }
        }
    }

    func close() {
        lock.lock(); closed = true; lock.unlock()
    }

    deinit { Glibc.close(fd) }

    /// Times at which a message containing `line` came.
    func times(of line: String) -> [Date] {
        lock.lock(); defer { lock.unlock() }
        return received.filter { $0.text.split(separator: "\n").contains(Substring(line)) }.map(\.time)
    }

    var all: [String] {
        lock.lock(); defer { lock.unlock() }
        return received.map(\.text)
    }
}

/// The daemon under systemd's watchdog (`WatchdogSec=`): it pings while its
/// control loop and its audio thread move, and stops when the audio stalls,
/// so systemd restarts it. Driven through a real notify socket.
@Suite("systemd watchdog", .serialized)
struct WatchdogTests {
    func daemon(pace: Double, notify: inout NotifyListener?) throws -> DaemonHarness {
        let directory = TestAudio.temporaryDirectory("watchdog")
        let listener = try NotifyListener(directory: directory)
        notify = listener
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = listener.path
        env["WATCHDOG_USEC"] = "1000000"   // pings every 0.5 s
        env.removeValue(forKey: "WATCHDOG_PID")
        return try DaemonHarness(plans: ["logged.toml": SessionLogTests.plan], pace: pace, device: "null", environment: env)
    }

    func count(_ times: [Date], after start: Date) -> Int { times.filter { $0 > start }.count }

    /// Pings after `start`: how many, and the median gap between them (s).
    /// The gap, not the count, says the pace: a loaded machine may delay one
    /// ping, but only a wrong interval moves the median.
    func cadence(_ times: [Date], after start: Date) -> (count: Int, median: Double) {
        let t = times.filter { $0 > start }.sorted()
        let gaps = zip(t.dropFirst(), t).map { $0.timeIntervalSince($1) }.sorted()
        return (t.count, gaps.isEmpty ? 0 : gaps[gaps.count / 2])
    }

    @Test("pings at half of WATCHDOG_USEC while idle and while a session plays, after READY=1; STATUS= names the phase; STOPPING=1 on SIGTERM")
    func pingsWhileAlive() throws {
        var notify: NotifyListener?
        let daemon = try daemon(pace: 20, notify: &notify)
        let listener = try #require(notify)
        defer { listener.close() }
        let idle = Date()
        #expect(waitUntil(timeout: 20) { !listener.times(of: "READY=1").isEmpty }, "no READY=1: \(listener.all)")
        // Six pings (about 3 s): their median gap says the interval.
        #expect(waitUntil(timeout: 30) { count(listener.times(of: "WATCHDOG=1"), after: idle) >= 6 },
                "fewer than 6 pings in 30 s idle: \(listener.all)")
        let idlePings = cadence(listener.times(of: "WATCHDOG=1"), after: idle)
        #expect((0.35...0.9).contains(idlePings.median),
                "\(idlePings.count) pings while idle, \(idlePings.median) s apart; want 0.5 s apart: \(listener.all)")

        let c = try daemon.client()
        let started = try c.call(.start, ["plan": .string("logged")])
        #expect(started.error == nil, "Start: \(String(describing: started.error))")
        let playing = Date()
        #expect(waitUntil(timeout: 20) { listener.all.contains { $0.contains("STATUS=session ") && $0.contains("phase 1 of 2, arrival") } },
                "no STATUS= for the session's phase: \(listener.all)")
        // The session's threads carry their names (top, perf, ps -L).
        let tasks = "/proc/\(daemon.process.processIdentifier)/task"
        func threadNames() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []).compactMap {
                try? String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        #expect(waitUntil(timeout: 20) { threadNames().contains("inward-audio") && threadNames().contains("inward-mix") },
                "threads: \(threadNames())")
        #expect(waitUntil(timeout: 30) { count(listener.times(of: "WATCHDOG=1"), after: playing) >= 6 },
                "fewer than 6 pings in 30 s of a session: \(listener.all)")
        let playingPings = cadence(listener.times(of: "WATCHDOG=1"), after: playing)
        #expect((0.35...0.9).contains(playingPings.median),
                "\(playingPings.count) pings during a session, \(playingPings.median) s apart; want 0.5 s apart")

        let (status, log) = daemon.terminate()
        #expect(status == 0, "\(log)")
        #expect(!listener.times(of: "STOPPING=1").isEmpty, "no STOPPING=1: \(listener.all)")
    }

    @Test("when the audio thread stops playing, the pings stop and the daemon says why, so systemd restarts it")
    func stalledAudioStopsThePings() throws {
        var notify: NotifyListener?
        // 1/1000 real time: after its first period the audio thread sleeps about 21 s,
        // as it would on a device that stopped taking frames.
        let daemon = try daemon(pace: 0.001, notify: &notify)
        let listener = try #require(notify)
        defer { listener.close() }
        #expect(waitUntil(timeout: 20) { !listener.times(of: "WATCHDOG=1").isEmpty }, "no pings while idle: \(listener.all)")

        let c = try daemon.client()
        let started = try c.call(.start, ["plan": .string("logged")])
        #expect(started.error == nil)
        // The first period goes out, then the stall shows: no ping for 1.5 s
        // (three intervals), however long a loaded machine took to get there.
        #expect(waitUntil(timeout: 20) { daemon.stderr.contains("the audio thread has played nothing") },
                "the daemon never said the audio thread was stuck: \(daemon.stderr)")
        #expect(waitUntil(timeout: 20) { Date().timeIntervalSince(listener.times(of: "WATCHDOG=1").max() ?? .distantPast) >= 1.5 },
                "the pings never stopped while the audio thread played nothing")
        // An absence needs a window to look in: five ping intervals.
        let stalled = Date()
        Thread.sleep(forTimeInterval: 2.5)
        let pings = count(listener.times(of: "WATCHDOG=1"), after: stalled)
        #expect(pings == 0, "\(pings) pings while the audio thread played nothing")
        // The control loop still answers: only the audio is stuck.
        #expect(try c.call(.status).error == nil)
        kill(daemon.process.processIdentifier, SIGKILL)
        let log = daemon.terminate().log
        #expect(log.contains("the audio thread has played nothing"), "stderr: \(log)")
    }
}
