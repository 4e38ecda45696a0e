import Foundation
@testable import InwardDaemon
import Testing

/// `[[output]]` in the daemon's config: several outputs, or one `device`
/// meaning the output `main`; every mistake names the file, line and key.
@Suite("Room outputs in the config")
struct RoomOutputConfigTests {
    func load(_ text: String) throws -> (DaemonConfig, String) {
        var template = Array("/tmp/inward-out-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        let path = String(cString: dir) + "/inwardd.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var settings = DaemonConfig.defaults(environment: [:])
        try settings.load(file: path)
        return (settings, path)
    }

    func problem(_ text: String) throws -> String {
        do {
            _ = try load(text)
        } catch let error as DaemonConfig.Invalid {
            return error.description
        }
        throw TestFailure("accepted:\n\(text)")
    }

    @Test("two outputs: names, devices, levels and a channel map, in order; the first is the device status names")
    func twoOutputs() throws {
        let (settings, _) = try load("""
            [[output]]
            name = "headphones"
            device = "hw:CARD=USB"
            level_db = -3

            [[output]]
            name = "speakers"
            device = "hw:CARD=PCH"
            level_db = 2
            channels = ["mono", "mono"]
            """)
        #expect(settings.roomOutputs == [
            RoomOutput(name: "headphones", device: "hw:CARD=USB", levelDB: -3),
            RoomOutput(name: "speakers", device: "hw:CARD=PCH", levelDB: 2, channels: (.mono, .mono)),
        ])
        #expect(settings.device == "hw:CARD=USB")
    }

    @Test("a single device is one output called main, at the plan's level")
    func singleDevice() throws {
        let (settings, _) = try load("device = \"hw:1,0\"\n")
        #expect(settings.roomOutputs == [RoomOutput(name: "main", device: "hw:1,0")])
        #expect(DaemonConfig.defaults(environment: [:]).roomOutputs == [RoomOutput(name: "main", device: "default")])
    }

    @Test("mistakes name the file, the line and the key", arguments: [
        ("[[output]]\nname = \"a\"\n", ":1: output[0].device: each [[output]] needs an ALSA device"),
        ("[[output]]\ndevice = \"x\"\n", ":1: output[0].name: each [[output]] needs a name"),
        ("[[output]]\nname = \"a\"\ndevice = \"x\"\n\n[[output]]\nname = \"a\"\ndevice = \"y\"\n", ":6: output[1].name: 'a' names two outputs"),
        ("[[output]]\nname = \"a b\"\ndevice = \"x\"\n", ":2: output[0].name: 'a b' may hold letters"),
        ("[[output]]\nname = \"a\"\ndevice = \"x\"\nlevel_db = 20\n", ":4: output[0].level_db: must be a number of dB from -60 to +12"),
        ("[[output]]\nname = \"a\"\ndevice = \"x\"\nchannels = [\"left\"]\n", ":4: output[0].channels: must be two of left, right, mono, silent"),
        ("[[output]]\nname = \"a\"\ndevice = \"x\"\nvolume = 3\n", ":4: output[0].volume: unknown output setting"),
        ("device = \"d\"\n[[output]]\nname = \"a\"\ndevice = \"x\"\n", ":1: device: give either one device or [[output]] entries"),
    ])
    func mistakes(_ text: String, _ expected: String) throws {
        let message = try problem(text)
        #expect(message.contains("inwardd.toml" + expected), "\(message)")
    }
}
