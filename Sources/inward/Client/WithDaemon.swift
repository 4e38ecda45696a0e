import ArgumentParser
import InwardProtocol

/// Runs a daemon-facing command: connects, runs `body`, and turns failures into
/// a message on standard error (plus `{"error": ..., "parameters": ...}` on
/// standard output with --json) and an exit code.
///
/// A user the kernel refuses a room's control socket (not in group `inward`)
/// is connected to the room's observer socket instead when it lets them in
/// (group `inward-observe`): they may watch; the daemon refuses their controls.
func withDaemon(_ global: GlobalOptions, _ body: (VarlinkConnection) throws -> Void) throws {
    var location = SocketLocation.resolve(option: global.socket, room: global.room)
    do {
        let connection: VarlinkConnection
        do {
            connection = try VarlinkConnection(location, timeout: global.replyTimeout)
        } catch ClientError.permissionDenied(let refused) {
            // Not staff: an observer, perhaps. Otherwise the control socket's refusal stands.
            guard let observe = refused.observerFallback,
                  let watching = try? VarlinkConnection(observe, timeout: global.replyTimeout)
            else { throw ClientError.permissionDenied(refused) }
            connection = watching
            location = observe
        }
        try body(connection)
    } catch let error as ClientError {
        let (message, code) = ErrorReport.describe(error, on: location)
        if global.json {
            var o = JSONObject()
            switch error {
            case .varlink(let name, let p):
                o["error"] = .string(name)
                o["parameters"] = .object(p)
            default:
                o["error"] = .string(code == ExitStatus.noDaemon ? "inward.NoDaemon" : "inward.ClientError")
                o["parameters"] = ["socket": .string(location.path)]
            }
            o["message"] = .string(message)
            Output.line(JSONValue.object(o).jsonString)
        }
        Terminal.errLine("inward: " + message)
        throw ExitCode(code)
    }
}
