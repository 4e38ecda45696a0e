public import InwardAudio
import TOMLKit

/// One output of a treatment room (`[[output]]` in the daemon's config):
/// headphones on a USB DAC, speakers on the onboard card. Every output plays
/// the same session, in step, each at its own level relative to the plan.
/// A config with a single `device` and no `[[output]]` has one output,
/// `main`.
public struct RoomOutput: Sendable, Equatable {
    /// How status, the log and `inward output` name it: letters, digits, '-' and '_'.
    public var name: String
    /// The ALSA PCM it plays to.
    public var device: String
    /// Its level relative to the plan (and the master volume), dB.
    public var levelDB: Double
    /// What its left and right device channels play.
    public var channels: (OutputLevel.Channel, OutputLevel.Channel)

    public init(name: String, device: String, levelDB: Double = 0,
                channels: (OutputLevel.Channel, OutputLevel.Channel) = (.left, .right)) {
        self.name = name
        self.device = device
        self.levelDB = levelDB
        self.channels = channels
    }

    public static func == (a: RoomOutput, b: RoomOutput) -> Bool {
        a.name == b.name && a.device == b.device && a.levelDB == b.levelDB && a.channels == b.channels
    }

    /// The single output of a room configured with `device` only.
    public static let mainName = "main"

    static let keys: Set<String> = ["name", "device", "level_db", "channels"]

    /// Nil when `name` can name an output; else why not.
    public static func nameProblem(_ name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        if name.isEmpty || name.count > 32 { return "must be 1 to 32 characters" }
        if let bad = name.first(where: { !allowed.contains($0) }) {
            return "may hold letters, digits, '-' and '_', not '\(bad)'"
        }
        return nil
    }

    /// Reads the `[[output]]` entries of a config file.
    /// - Parameter bad: makes the error for entry `index` (0-based) and `key`, saying `what`.
    static func parse(_ value: any TOMLValueConvertible,
                      bad: (Int?, String, String) -> DaemonConfig.Invalid) throws(DaemonConfig.Invalid) -> [RoomOutput] {
        guard let array = value.array else { throw bad(nil, "output", "must be a list of tables: write each as [[output]]") }
        var outputs: [RoomOutput] = []
        for (index, item) in array.enumerated() {
            guard let table = item.table else { throw bad(index, "output", "must be a table: write it as [[output]]") }
            for key in table.keys where !keys.contains(key) {
                throw bad(index, key, "unknown output setting; known ones are \(keys.sorted().joined(separator: ", "))")
            }
            guard let name = table["name"]?.string else {
                throw bad(index, "name", "each [[output]] needs a name, e.g. name = \"headphones\"")
            }
            if let problem = nameProblem(name) { throw bad(index, "name", "'\(name)' \(problem)") }
            if outputs.contains(where: { $0.name == name }) {
                throw bad(index, "name", "'\(name)' names two outputs; give each its own name")
            }
            guard let device = table["device"]?.string, !device.isEmpty else {
                throw bad(index, "device", "each [[output]] needs an ALSA device, e.g. device = \"hw:CARD=USB\" (inward devices lists them)")
            }
            var output = RoomOutput(name: name, device: device)
            if let v = table["level_db"] {
                guard let db = v.double ?? v.int.map(Double.init), db >= OutputLevel.minDB, db <= OutputLevel.maxDB else {
                    throw bad(index, "level_db", "must be a number of dB from \(Int(OutputLevel.minDB)) to +\(Int(OutputLevel.maxDB))")
                }
                output.levelDB = db
            }
            if let v = table["channels"] {
                let names = v.array?.compactMap { $0.string } ?? []
                let known = OutputLevel.Channel.allCases.map(\.rawValue).joined(separator: ", ")
                guard names.count == 2, v.array?.count == 2,
                      let left = OutputLevel.Channel(rawValue: names[0]), let right = OutputLevel.Channel(rawValue: names[1]) else {
                    throw bad(index, "channels", "must be two of \(known), for the left and right device channels, e.g. [\"mono\", \"mono\"]")
                }
                output.channels = (left, right)
            }
            outputs.append(output)
        }
        return outputs
    }
}
