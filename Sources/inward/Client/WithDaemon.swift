import ArgumentParser
import InwardProtocol

/// Runs a daemon-facing command: connects, runs `body`, and turns failures into
/// a message on standard error (plus `{"error": ..., "parameters": ...}` on
/// standard output with --json) and an exit code.
func withDaemon(_ global: GlobalOptions, _ body: (VarlinkConnection) throws -> Void) throws {
    let location = SocketLocation.resolve(option: global.socket, room: global.room)
    do {
        let connection = try VarlinkConnection(location, timeout: global.replyTimeout)
        try body(connection)
    } catch let error as ClientError {
        let (message, code) = ErrorReport.describe(error)
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
