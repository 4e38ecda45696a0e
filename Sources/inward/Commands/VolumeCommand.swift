import ArgumentParser
import InwardProtocol

/// `inward volume DB`: set the master volume (SetVolume).
struct VolumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Set the volume relative to the plan, in dB (0 = as planned): -6, -6dB, +3.",
        discussion: "The change is ramped, never a jump, and clamped to the plan's cap."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("dB relative to the plan, e.g. -6, -6dB, +3, 0.", valueName: "db"))
    var db: String

    /// "-6", "-6dB", "-6 db", "+3", "0" -> the number.
    static func parse(_ text: String) -> Double? {
        var t = text.trimmingCharacters(in: " ")
        if t.lowercased().hasSuffix("db") { t = String(t.dropLast(2)).trimmingCharacters(in: " ") }
        if t.hasPrefix("+") { t = String(t.dropFirst()) }
        guard !t.isEmpty, !t.hasPrefix("+"), let v = Double(t), v.isFinite,
              t.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return v
    }

    func run() throws {
        guard let value = Self.parse(db) else {
            throw usage("volume: '\(db)' is not a level in dB; write e.g. -6, -6dB or +3")
        }
        try withDaemon(global) { daemon in
            let reply = try daemon.call(SessionMethod.setVolume, ["db": .number(value), "by": SessionAPI.by])
            if global.json { return Output.json(reply) }
            let now = reply["volume_db"]?.doubleValue ?? value
            var line = "volume \(StatusView.db(now)) dB (ramping)"
            if reply["clamped"]?.boolValue == true {
                line += "; clamped: \(StatusView.db(value)) dB would go over the plan's cap"
            }
            Output.line(line)
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
