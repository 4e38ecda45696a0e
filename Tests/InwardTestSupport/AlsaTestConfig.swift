import Foundation

/// ALSA capture devices for tests, with no sound card.
///
/// Each slot is an ALSA `file` PCM over the `null` PCM: everything played to
/// it lands in a WAV file, unpaced (10 s of audio in a few ms). Use S16 or S32
/// when the capture will be read back: the file plugin's WAV header only
/// describes integer PCM.
///
/// How it works: the first use writes ONE config file, in a private temp
/// directory, that defines `slotCount` PCMs `inward_capture_0`, `..._1`, ...,
/// each writing to its own `capture-N.wav` in that directory, and sets
/// `ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:<dir>/asoundrc` for the
/// process. alsa-lib reads that variable whenever it (re)loads its global
/// configuration (`snd_config_update`, called by `snd_pcm_open`), and reloads
/// when the list of files changes, so this also works if some other code
/// touched ALSA first. The config is never rewritten afterwards, so tests
/// running in parallel never race on it: each test takes its own slot with
/// `AlsaTestConfig.capture()` and gets a device name and a WAV path nobody
/// else uses. Call `capture()` (or `AlsaTestConfig.install()`) before any
/// ALSA call in a test.
enum AlsaTestConfig {
    /// A capture device for one test.
    struct Capture: Sendable {
        /// PCM name to open for playback, e.g. `inward_capture_3`.
        let device: String
        /// Where the file plugin writes what was played (complete once the
        /// PCM is closed).
        let path: String
    }

    /// Number of capture PCMs defined; `capture()` fails beyond that.
    static let slotCount = 64
    static let devicePrefix = "inward_capture_"

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        let directory: URL
        init() {
            directory = TestAudio.temporaryDirectory("inward-alsa")
            var conf = "# Written by InwardAudioTests AlsaTestConfig: capture PCMs over null.\n"
            for i in 0..<AlsaTestConfig.slotCount {
                let file = directory.appendingPathComponent("capture-\(i).wav").path
                conf += "pcm.\(AlsaTestConfig.devicePrefix)\(i) { type file slave.pcm \"null\" file \"\(file)\" format \"wav\" }\n"
            }
            let confPath = directory.appendingPathComponent("asoundrc").path
            try! conf.write(toFile: confPath, atomically: true, encoding: .utf8)
            let system = ProcessInfo.processInfo.environment["ALSA_CONFIG_PATH"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "/usr/share/alsa/alsa.conf"
            setenv("ALSA_CONFIG_PATH", "\(system):\(confPath)", 1)
            // A full run leaves ~0.5 GB of captures here: a temporary directory,
            // removed when the test process exits (`TemporaryFolders`).
        }
    }

    private static let state = State()

    /// Directory holding the config and the capture files.
    static var directory: URL { state.directory }

    /// Writes the config and points ALSA at it (once per process).
    static func install() { _ = state }

    /// Reserves a fresh capture PCM for the calling test.
    static func capture() -> Capture {
        let s = state
        s.lock.lock()
        let i = s.next
        s.next += 1
        s.lock.unlock()
        precondition(i < slotCount, "AlsaTestConfig: all \(slotCount) capture PCMs used; raise slotCount")
        return Capture(device: "\(devicePrefix)\(i)",
                       path: s.directory.appendingPathComponent("capture-\(i).wav").path)
    }
}
