#if canImport(Glibc)
import Glibc
#endif
import Foundation
import InwardPOSIX

/// A small real Varlink responder on a temporary Unix socket, standing in for
/// inwardd: it reads NUL-terminated JSON calls, records them, and answers each
/// with canned replies (several, with `continues`, for a `more` call).
final class FakeVarlinkDaemon: @unchecked Sendable {
    /// One reply: parameters, or an error name with parameters.
    enum Reply {
        case ok([String: Any])
        case error(String, [String: Any])
        /// Send nothing more and keep the connection open (a stream that goes on, a hung daemon).
        case keepOpen
    }

    struct Call {
        var method: String
        var parameters: [String: Any]
        var more: Bool
        /// The message as sent, without the NUL.
        var raw: String
    }

    let path: String
    private let listenFD: Int32
    private let lock = NSLock()
    private var _calls: [Call] = []
    private var handlers: [String: [Reply]] = [:]
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// `handlers`: method (e.g. "io.inward.Session.Hold") -> the replies to send.
    /// A method without a handler gets org.varlink.service.MethodNotFound.
    init(_ handlers: [String: [Reply]]) throws {
        self.handlers = handlers
        path = "/tmp/inward-fake-\(UUID().uuidString.prefix(8)).sock"
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        do {
            try UnixSocketAddress(path: path).bind(fd)
            try SystemCall.retrying("listen(\(path))") { listen(fd, 8) }
        } catch {
            close(fd)
            throw error
        }
        listenFD = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting and removes the socket file.
    func stop() {
        lock.lock()
        let was = stopped
        stopped = true
        lock.unlock()
        if was { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        unlink(path)
        _ = done.wait(timeout: .now() + 2)
    }

    var calls: [Call] {
        lock.lock(); defer { lock.unlock() }
        return _calls
    }

    /// The calls received for `method` (short name, e.g. "Hold").
    func calls(_ method: String) -> [Call] {
        calls.filter { $0.method == "io.inward.Session." + method }
    }

    private func acceptLoop() {
        defer { done.signal() }
        while true {
            guard let client = try? SystemCall.retrying("accept", { accept(listenFD, nil, nil) }) else { return }
            let t = Thread { [self] in serve(client) }
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            buffer.append(contentsOf: chunk[0..<n])
            while let nul = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<nul])
                buffer.removeSubrange(...nul)
                guard answer(message, on: fd) else { return }
            }
        }
    }

    /// Records the call and sends its replies; false closes the connection.
    private func answer(_ message: [UInt8], on fd: Int32) -> Bool {
        let raw = String(decoding: message, as: UTF8.self)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(message))) as? [String: Any],
              let method = object["method"] as? String else {
            send(["error": "io.inward.Session.MalformedMessage", "parameters": ["reason": "not a call"]], on: fd)
            return false
        }
        let more = object["more"] as? Bool ?? false
        let call = Call(method: method, parameters: object["parameters"] as? [String: Any] ?? [:], more: more, raw: raw)
        lock.lock()
        _calls.append(call)
        let replies = handlers[method]
        lock.unlock()
        guard let replies, !replies.isEmpty else {
            send(["error": "org.varlink.service.MethodNotFound", "parameters": ["method": method]], on: fd)
            return true
        }
        for (i, reply) in replies.enumerated() {
            var o: [String: Any]
            switch reply {
            case .keepOpen: return true
            case .ok(let p): o = ["parameters": p]
            case .error(let name, let p): o = ["error": name, "parameters": p]
            }
            if more && (i < replies.count - 1) { o["continues"] = true }
            send(o, on: fd)
            if !more { break }
        }
        return true
    }

    private func send(_ object: [String: Any], on fd: Int32) {
        guard var data = try? JSONSerialization.data(withJSONObject: object) else { return }
        data.append(0)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Schema-correct canned `io.inward.Session` values.
enum Canned {
    static let s = "io.inward.Session."

    static func phase(_ index: Int, _ name: String, planned: Double?, untilDose: Bool = false,
                      source: String = "playlist", maxHold: Double = 900) -> [String: Any] {
        ["index": index, "name": name, "planned_seconds": planned.map { $0 as Any } ?? NSNull(), "until_dose": untilDose,
         "source": source, "level_db": -18.0, "fade_in_seconds": 20.0, "fade_out_seconds": 20.0,
         "max_hold_seconds": maxHold]
    }

    /// A session at T+00:12:30 in phase 3 of 5 ("peak"), 7:30 into it with
    /// 12:30 left, playing "Weightless" by Marconi Union at -6 dB.
    static func playing(state: String = "playing", track: Bool = true) -> [String: Any] {
        [
            "state": state, "session_id": "20261126-1530-C0042", "plan": "im-standard", "client": "C-0042",
            "phase": phase(2, "peak", planned: 1200), "phase_count": 5,
            "seconds_in_phase": 450.0, "seconds_left": 750.0, "session_seconds": 1650.0,
            "t0_seconds": 750.0, "boosters": 0,
            "track": track ? ["path": "/music/weightless.flac", "title": "Weightless", "artist": "Marconi Union",
                              "index": 1, "position_seconds": 65.0, "duration_seconds": 480.0] as [String: Any] : NSNull(),
            "volume_db": -6.0, "volume_cap_db": -12.0, "level_db": -23.4, "device": "hw:1,0",
            "paused": state == "paused", "held_seconds": 0.0, "last_seq": 17,
        ]
    }

    /// A session in its first phase, waiting for the dose, on a soundscape.
    static func waiting() -> [String: Any] {
        [
            "state": "waiting_for_dose", "session_id": "20261126-1530-C0042", "plan": "im-standard",
            "client": NSNull(), "phase": phase(0, "arrival", planned: nil, untilDose: true, source: "soundscape"),
            "phase_count": 5, "seconds_in_phase": 95.0, "seconds_left": NSNull(), "session_seconds": 95.0,
            "t0_seconds": NSNull(), "boosters": 0, "track": NSNull(), "volume_db": 0.0, "volume_cap_db": -12.0,
            "level_db": NSNull(), "device": "default", "paused": false, "held_seconds": 0.0, "last_seq": 2,
        ]
    }

    static func idle() -> [String: Any] {
        [
            "state": "idle", "session_id": NSNull(), "plan": NSNull(), "client": NSNull(), "phase": NSNull(),
            "phase_count": 0, "seconds_in_phase": 0.0, "seconds_left": NSNull(), "session_seconds": 0.0,
            "t0_seconds": NSNull(), "boosters": 0, "track": NSNull(), "volume_db": 0.0, "volume_cap_db": -12.0,
            "level_db": NSNull(), "device": "default", "paused": false, "held_seconds": 0.0, "last_seq": 0,
        ]
    }

    static func event(_ seq: Int, _ kind: String, fields: [String: Any] = [:]) -> [String: Any] {
        ["seq": seq, "kind": kind, "time": "2026-11-26T15:42:10.123Z", "session_seconds": 1650.0,
         "t0_seconds": 750.0, "phase": "peak", "fields": fields]
    }
}
