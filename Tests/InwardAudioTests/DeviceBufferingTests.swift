@testable import InwardTestSupport
import InwardAudio
import Testing

/// The sizes each kind of device gets by default, and an ALSA PCM opened
/// without sizes getting them by its kind.
@Suite("Device buffering: defaults by kind of device")
struct DeviceBufferingTests {
    @Test("a device that rewinds gets about 0.5 s of whole small blocks in four periods; the others the plain 2048/8192")
    func defaults() {
        for rate in [44100, 48000, 96000] {
            let d = DeviceBuffering.defaults(rewinds: true, sampleRate: rate)
            #expect(d.bufferFrames % d.blockFrames == 0)
            #expect(d.bufferFrames >= rate / 2 && d.bufferFrames < rate / 2 + d.blockFrames)
            #expect(d.periodFrames * 4 == d.bufferFrames)
            // Blocks of 21-23 ms: a rewind goes back to a block start.
            #expect(Double(d.blockFrames) / Double(rate) <= 0.024)
            #expect(DeviceBuffering.defaults(rewinds: false, sampleRate: rate) == .plain)
        }
        #expect(DeviceBuffering.defaults(rewinds: true, sampleRate: 48000)
                == DeviceBuffering(periodFrames: 6144, bufferFrames: 24576, blockFrames: 1024))
        #expect(DeviceBuffering.plain == DeviceBuffering(periodFrames: 2048, bufferFrames: 8192, blockFrames: 2048))
    }

    @Test("an ALSA file PCM opened without sizes cannot rewind and gets the plain sizes")
    func alsaFileGetsPlain() throws {
        let cap = AlsaTestConfig.capture()
        let sink = try AlsaSink(device: cap.device, sampleRate: 48000, format: .s16)
        defer { sink.close() }
        #expect(!sink.canRewind)
        #expect(sink.rewindable() == 0)
        #expect(sink.bufferFrames == DeviceBuffering.plain.bufferFrames)
        #expect(sink.periodFrames == DeviceBuffering.plain.periodFrames)
        #expect(try sink.rewind(1024) == 0)
    }
}
