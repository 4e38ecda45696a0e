import ArgumentParser
import InwardAudio
import InwardProtocol

/// `inward devices`: the ALSA PCMs this machine offers.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the ALSA output devices (PCM names for --device)."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let devices = AlsaSink.devices()
        if global.json {
            Output.json(.array(devices.map { .object(["name": .string($0.name), "description": .string($0.description)]) }))
            return
        }
        if devices.isEmpty {
            print("no ALSA output devices found; `aplay -L` lists what ALSA sees")
            return
        }
        for d in devices {
            print(d.name)
            if !d.description.isEmpty { print("    " + d.description.split(separator: "\n").joined(separator: " / ")) }
        }
    }
}
