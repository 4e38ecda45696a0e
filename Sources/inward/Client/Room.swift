import Foundation

/// A clinic's treatment room: one `inwardd@ROOM` daemon, its socket
/// `/run/inward/ROOM/control` and its state `/var/lib/inward/ROOM`.
enum Room {
    /// `--room`, else `$INWARD_ROOM`; nil when neither names one.
    static func chosen(_ option: String?, environment: [String: String]) -> String? {
        if let option, !option.isEmpty { return option }
        if let env = environment["INWARD_ROOM"], !env.isEmpty { return env }
        return nil
    }

    /// Rooms whose daemon socket exists, sorted.
    static func running(in root: String = "/run/inward") -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return entries.filter { SocketLocation.exists("\(root)/\($0)/control") }.sorted()
    }

    /// Room `name`'s state folder.
    static func stateDirectory(_ name: String) -> String { "/var/lib/inward/\(name)" }
}

extension SocketLocation {
    /// The systemd unit of the daemon behind this socket, for messages.
    var unit: String { "inwardd@\(room ?? "ROOM")" }
}
