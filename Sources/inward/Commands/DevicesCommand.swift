import ArgumentParser
import InwardAudio
import InwardProtocol

/// `inward devices`: the ALSA PCMs this machine offers.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the ALSA output devices (PCM names for --device or an [[output]]'s device).",
        discussion: """
            A room with headphones and speakers lists each as an [[output]] in the daemon's config, e.g.
              [[output]]  name = "headphones"  device = "hw:CARD=USB"  level_db = -3
              [[output]]  name = "speakers"    device = "hw:CARD=PCH"
            Prefer the stable hw:CARD=NAME form: card numbers change when a USB DAC is plugged in later.
            """
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
        print("\nput a name above in the daemon's config: device = \"NAME\" for one output, or one [[output]] per device",
              "(name, device, level_db) for headphones and speakers; `inward devices --help` shows an example")
    }
}
