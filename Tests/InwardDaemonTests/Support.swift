import Foundation
@testable import InwardTestSupport
import InwardDaemon
import InwardPOSIX
import InwardProtocol
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small real handler for `io.inward.Test`:
/// - `Echo(...)` replies with its parameters;
/// - `Count()` counts calls (oneway ones too) and replies `{"count": n}`;
/// - `Stream(n)` with `more` replies n times with `continues` from another thread,
///   then once without (`{"i": n, "done": true}`); without `more`: ExpectedMore;
/// - `Hold()` with `more` keeps the responder and never answers (for disconnects);
/// - `Flood()` with `more` streams 1 KiB replies from another thread while `isOpen`;
/// - anything else: MethodNotFound, or InterfaceNotFound for other interfaces.
final class TestHandler: VarlinkHandler {
    struct State {
        var count = 0
        var closed: [ConnectionID: Int] = [:]
        var held: [ConnectionID: any VarlinkResponder] = [:]
    }
    let state = Mutex(State())

    func handle(_ call: VarlinkCall, from peer: VarlinkPeer, responder: any VarlinkResponder) {
        let connection = peer.connection
        guard call.interface == "io.inward.Test" else {
            responder.send(VarlinkService.Errors.interfaceNotFound(String(call.interface)))
            return
        }
        switch call.methodName {
        case "Echo":
            responder.send(VarlinkReply(parameters: call.parameters))
        case "Whoami":
            responder.send(VarlinkReply(["uid": .integer(Int64(peer.uid ?? UInt32.max)), "pid": .integer(Int64(peer.pid ?? -1)),
                                         "read_only": .bool(peer.readOnly), "user": .optional(peer.userName)]))
        case "Count":
            let n = state.withLock { s in
                s.count += 1
                return s.count
            }
            responder.send(VarlinkReply(["count": .integer(Int64(n))]))
        case "Stream":
            guard call.more else {
                responder.send(VarlinkService.Errors.expectedMore())
                return
            }
            let n = Int(call.parameterObject["n"]?.int64Value ?? 3)
            let thread = Thread {
                for i in 0..<n {
                    responder.send(VarlinkReply(["i": .integer(Int64(i))], continues: true))
                    usleep(1000)
                }
                responder.send(VarlinkReply(["i": .integer(Int64(n)), "done": true]))
            }
            thread.start()
        case "Hold":
            state.withLock { $0.held[connection] = responder }
        case "Flood":
            // Replies of about 1 KiB as fast as possible until the client is gone.
            let filler = JSONValue.string(String(repeating: "x", count: 1000))
            let thread = Thread {
                var i: Int64 = 0
                while responder.isOpen && i < 1_000_000 {
                    responder.send(VarlinkReply(["i": .integer(i), "filler": filler], continues: true))
                    i += 1
                }
            }
            thread.start()
        default:
            responder.send(VarlinkService.Errors.methodNotFound(call.method))
        }
    }

    func connectionClosed(_ connection: ConnectionID) {
        state.withLock { $0.closed[connection, default: 0] += 1 }
    }
}

/// A ControlServer on a temporary socket, running on its own thread.
final class TestServer: @unchecked Sendable {
    let directory: String
    let path: String
    let handler = TestHandler()
    let server: ControlServer
    private let stopped = DispatchSemaphore(value: 0)

    /// The read-only (observer) socket, with `observerSocket: true`.
    var observePath: String { directory + "/observe" }

    init(limits: ControlServer.Limits = .init(), observerSocket: Bool = false) throws {
        var template = Array("/tmp/inward-srv-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        directory = String(cString: dir)
        path = directory + "/control"
        var listeners = [ControlServer.Listener(fd: try ControlServer.bind(path: path))]
        if observerSocket {
            listeners.append(ControlServer.Listener(fd: try ControlServer.bind(path: directory + "/observe"), readOnly: true))
        }
        server = ControlServer(listeners: listeners, handler: handler, limits: limits, logger: quietLogger())
        server.serviceVersion = "9.9.9-test"
        let server = self.server
        let stopped = self.stopped
        let thread = Thread {
            server.run()
            stopped.signal()
        }
        thread.start()
    }

    func stop() {
        server.shutdown()
        stopped.wait()
        _ = unlink(path)
        _ = unlink(observePath)
        _ = rmdir(directory)
    }

    func client() throws -> VarlinkTestClient { try VarlinkTestClient(path: path, timeout: 20) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func quietLogger() -> Logger {
    Logger(label: "test.control-server", factory: { _ in SwiftLogNoOpLogHandler() })
}
