import ArgumentParser
import InwardProtocol

/// The controls that take only `by` and reply with the status.
enum SimpleControl {
    static func run(_ global: GlobalOptions, method: SessionMethod, say: (StatusView) -> String) throws {
        try run(global, method: method) { _, status in say(status) }
    }

    /// The same, for a control whose reply says more than its status.
    static func run(_ global: GlobalOptions, method: SessionMethod, say: (JSONObject, StatusView) -> String) throws {
        try withDaemon(global) { daemon in
            let reply = try daemon.call(method, ["by": SessionAPI.by])
            if global.json { return Output.json(reply) }
            Output.line(say(reply, StatusView(reply["status"]?.objectValue ?? [:])))
        }
    }
}
