import ArgumentParser
import InwardProtocol

/// What `inward intensity` and `inward brightness` take: `0.3` (a value), `+0.1` or `-0.1` (a change).
struct SoundscapeSetting: ExpressibleByArgument {
    var value: Double
    var relative: Bool

    init?(argument: String) {
        guard let v = Double(argument), v.isFinite else { return nil }
        relative = argument.hasPrefix("+") || argument.hasPrefix("-")
        guard relative || (0...1).contains(v) else { return nil }
        value = v
    }

    static func change(_ global: GlobalOptions, _ method: SessionMethod, _ setting: SoundscapeSetting, over: Double?) throws {
        try withDaemon(global) { daemon in
            var parameters: JSONObject = ["value": .number(setting.value), "relative": .bool(setting.relative), "by": SessionAPI.by]
            if let over { parameters["over_seconds"] = .number(over) }
            let reply = try daemon.call(method, parameters)
            if global.json { return Output.json(reply) }
            let from = reply["from"]?.doubleValue ?? 0, to = reply["to"]?.doubleValue ?? 0
            Output.line("\(method.name.lowercased()) \(String(format: "%.2f", from)) -> \(String(format: "%.2f", to)) over \(Int(over ?? 30)) s")
        }
    }
}

/// `inward intensity 0.3 | +0.1 | -0.1 [--over S]` (Intensity).
struct IntensityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intensity", abstract: "Make the playing soundscape denser or stiller, smoothly (0 to 1; +0.1 or -0.1 to nudge).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "0 to 1, or a change such as +0.1 or -0.1.") var setting: SoundscapeSetting
    @Option(help: "Seconds the change takes (default 30).") var over: Double?
    func run() throws { try SoundscapeSetting.change(global, .intensity, setting, over: over) }
}

/// `inward brightness 0.3 | +0.1 | -0.1 [--over S]` (Brightness).
struct BrightnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brightness", abstract: "Make the playing soundscape darker or brighter, smoothly (0 to 1; +0.1 or -0.1 to nudge).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "0 to 1, or a change such as +0.1 or -0.1.") var setting: SoundscapeSetting
    @Option(help: "Seconds the change takes (default 30).") var over: Double?
    func run() throws { try SoundscapeSetting.change(global, .brightness, setting, over: over) }
}
