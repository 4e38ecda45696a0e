@testable import InwardTestSupport
import Foundation

/// A room with two outputs on ALSA's file plugin over null, `headphones` at
/// 0 dB and `speakers` 6 dB under it: what a daemon needs to play to it
/// (environment and arguments), and the WAV file each output writes.
struct TwoFileOutputs {
    let environment: [String: String]
    let arguments: [String]
    let headphones: String
    let speakers: String

    init(label: String) throws {
        let dir = TestAudio.temporaryDirectory(label)
        headphones = dir.appendingPathComponent("headphones.wav").path
        speakers = dir.appendingPathComponent("speakers.wav").path
        let asoundrc = dir.appendingPathComponent("asoundrc").path
        try """
            pcm.headphones { type file slave.pcm "null" file "\(headphones)" format "wav" }
            pcm.speakers { type file slave.pcm "null" file "\(speakers)" format "wav" }
            """.write(toFile: asoundrc, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("inwardd.toml").path
        try """
            [[output]]
            name = "headphones"
            device = "headphones"
            level_db = 0

            [[output]]
            name = "speakers"
            device = "speakers"
            level_db = -6
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(asoundrc)"
        environment = env
        arguments = ["--config", config]
    }
}
