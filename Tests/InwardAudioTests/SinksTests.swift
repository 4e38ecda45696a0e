@testable import InwardTestSupport
import CSndfile
import Foundation
import InwardAudio
import Testing

@Suite("Sinks: ALSA through the file PCM over null, and WAV files")
struct SinksTests {
    let dir = TestAudio.temporaryDirectory("inward-sinks")

    /// Writes `signal` (interleaved stereo) in uneven pieces, some larger than
    /// the sink's conversion buffer.
    static func play(_ sink: any AudioSink, _ signal: [Float]) throws {
        let sizes = [1000, 12345, 1, 30000, 4096]
        let frames = signal.count / 2
        var pos = 0
        var k = 0
        try signal.withUnsafeBufferPointer { p in
            while pos < frames {
                let n = min(sizes[k % sizes.count], frames - pos)
                try sink.write(p.baseAddress! + pos * 2, frames: n)
                pos += n
                k += 1
            }
        }
    }

    /// Largest difference between what was played and what was captured.
    static func maxError(_ signal: [Float], _ captured: DecodedAudio) -> Float {
        var m: Float = 0
        for i in 0..<min(captured.frameCount, signal.count / 2) {
            m = max(m, abs(captured.channels[0][i] - signal[2 * i]), abs(captured.channels[1][i] - signal[2 * i + 1]))
        }
        return m
    }

    @Test("AlsaSink s16/s32 through the file PCM: WAV has the frames and content written",
          arguments: [SampleFormat.s16, .s32])
    func alsaCapture(_ format: SampleFormat) throws {
        let cap = AlsaTestConfig.capture()
        let sink = try AlsaSink(device: cap.device, sampleRate: 48000, format: format)
        #expect(sink.format == format)
        #expect(sink.sampleRate == 48000)
        #expect(sink.periodFrames > 0 && sink.bufferFrames >= sink.periodFrames)
        let frames = 100_000
        let signal = TestFiles.stereoTones(frames: frames, sampleRate: 48000)
        try Self.play(sink, signal)
        try sink.drain()
        sink.close()
        #expect(sink.xrunCount == 0)
        let got = try WavReader.read(cap.path)
        #expect(got.sampleRate == 48000)
        #expect(got.channels.count == 2)
        #expect(got.frameCount == frames)
        let sub = got.format & Int32(SF_FORMAT_SUBMASK)
        #expect(sub == Int32(format == .s16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_32))
        // s16: TPDF dither of +-1 LSB plus rounding: within 1.5 LSB.
        // s32: float precision.
        let tolerance: Float = format == .s16 ? 1.5 / 32768 : 1e-6
        #expect(Self.maxError(signal, got) <= tolerance)
        let fl = try #require(AudioAnalysis.zeroCrossingFrequency(got.channels[0], sampleRate: 48000))
        let fr = try #require(AudioAnalysis.zeroCrossingFrequency(got.channels[1], sampleRate: 48000))
        #expect(abs(fl - 440) < 0.5 && abs(fr - 1000) < 0.5)
    }

    @Test("AlsaSink negotiates float first when the device takes it; forced float writes too")
    func negotiation() throws {
        let cap = AlsaTestConfig.capture()
        let sink = try AlsaSink(device: cap.device)
        #expect(sink.format == .float)
        let signal = TestFiles.stereoTones(frames: 10000, sampleRate: 48000)
        try Self.play(sink, signal)
        try sink.drain()
        sink.close()
        // The file plugin writes float data (its WAV header cannot describe
        // it): 10000 frames x 8 bytes after the header.
        let size = try FileManager.default.attributesOfItem(atPath: cap.path)[.size] as! Int
        #expect(size >= 80_000 && size <= 80_000 + 100)
    }

    @Test("AlsaSink accepts a requested rate and reports what the device chose", arguments: [44100, 96000])
    func rates(rate: Int) throws {
        let cap = AlsaTestConfig.capture()
        let sink = try AlsaSink(device: cap.device, sampleRate: rate, format: .s16, periodFrames: 512, bufferFrames: 2048)
        #expect(sink.sampleRate == rate)
        let signal = TestFiles.stereoTones(frames: rate / 2, sampleRate: rate)
        try Self.play(sink, signal)
        try sink.drain()
        sink.close()
        let got = try WavReader.read(cap.path)
        #expect(got.sampleRate == rate && got.frameCount == rate / 2)
    }

    @Test("s16 clips beyond full scale and dithers silence to +-1 LSB")
    func clippingAndDither() throws {
        let cap = AlsaTestConfig.capture()
        let sink = try AlsaSink(device: cap.device, format: .s16)
        var signal = [Float](repeating: 0, count: 20000)
        for i in 0..<1000 { signal[2 * i] = 1.5; signal[2 * i + 1] = -1.5 }
        signal[2000] = .nan
        try Self.play(sink, signal)
        try sink.drain()
        sink.close()
        let got = try WavReader.read(cap.path)
        #expect(got.channels[0][0..<1000].allSatisfy { $0 == 32767.0 / 32768 })
        #expect(got.channels[1][0..<1000].allSatisfy { $0 == -1 })
        let quiet = got.channels[0][1000...] + got.channels[1][1000...]
        #expect(quiet.allSatisfy { abs($0) <= 1.0 / 32768 })
        let nonzero = quiet.filter { $0 != 0 }.count
        // TPDF +-1 LSB on silence rounds to +-1 a quarter of the time.
        #expect(nonzero > quiet.count / 8 && nonzero < quiet.count / 2, "\(nonzero) of \(quiet.count)")
    }

    @Test("a nonexistent ALSA device: AudioError.device naming it, pointing to `inward devices`")
    func missingDevice() {
        AlsaTestConfig.install()
        do {
            _ = try AlsaSink(device: "inward_no_such_device")
            Issue.record("opened a nonexistent device")
        } catch {
            guard case let .device(name, operation, reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(name == "inward_no_such_device")
            #expect(operation == "open")
            #expect(!reason.isEmpty)
            #expect(error.description.contains("'inward_no_such_device'"))
            #expect(error.description.contains("inward devices"))
            #expect(error.description.contains("aplay -L"))
        }
    }

    @Test("writing after close throws; close is idempotent")
    func afterClose() throws {
        let cap = AlsaTestConfig.capture()
        let sink = try AlsaSink(device: cap.device, format: .s16)
        sink.close()
        sink.close()
        let x: [Float] = [0, 0]
        #expect(throws: AudioError.self) { try sink.write(x, frames: 1) }
    }

    @Test("devices() lists playback PCMs, including null")
    func devices() {
        AlsaTestConfig.install()
        let list = AlsaSink.devices()
        #expect(list.contains { $0.name == "null" && $0.description.contains("Discard") })
    }

    @Test("WavFileSink round trip", arguments: [SampleFormat.s16, .s32, .float])
    func wavRoundTrip(_ format: SampleFormat) throws {
        let path = TestFiles.path(dir, "out-\(format.rawValue).wav")
        let sink = try WavFileSink(path: path, sampleRate: 44100, format: format)
        #expect(sink.sampleRate == 44100 && sink.xrunCount == 0)
        let signal = TestFiles.stereoTones(frames: 50000, sampleRate: 44100)
        try Self.play(sink, signal)
        try sink.drain()
        sink.close()
        let got = try WavReader.read(path)
        #expect(got.sampleRate == 44100 && got.channels.count == 2 && got.frameCount == 50000)
        let sub = got.format & Int32(SF_FORMAT_SUBMASK)
        let expectedSub: Int32
        let tolerance: Float
        switch format {
        case .s16: expectedSub = Int32(SF_FORMAT_PCM_16); tolerance = 1.5 / 32768
        case .s32: expectedSub = Int32(SF_FORMAT_PCM_32); tolerance = 1e-6
        case .float: expectedSub = Int32(SF_FORMAT_FLOAT); tolerance = 0
        }
        #expect(sub == expectedSub)
        #expect(Self.maxError(signal, got) <= tolerance)
        #expect(throws: AudioError.self) { try sink.write(signal, frames: 1) }
    }

    @Test("WavFileSink creates the file with mode 0640, even over a 0666 file")
    func wavMode() throws {
        let fresh = TestFiles.path(dir, "fresh.wav")
        let sink = try WavFileSink(path: fresh, sampleRate: 48000)
        sink.close()
        let existing = TestFiles.path(dir, "existing.wav")
        _ = FileManager.default.createFile(atPath: existing, contents: Data([1, 2, 3]),
                                       attributes: [.posixPermissions: 0o666])
        chmod(existing, 0o666)
        let sink2 = try WavFileSink(path: existing, sampleRate: 48000, format: .float)
        sink2.close()
        for p in [fresh, existing] {
            var st = stat()
            #expect(stat(p, &st) == 0)
            #expect(st.st_mode & 0o7777 == 0o640, "\(p): \(String(st.st_mode & 0o7777, radix: 8))")
        }
        #expect(try WavReader.read(existing).frameCount == 0)
    }

    @Test("WavFileSink in a missing directory: AudioError.file with the path")
    func wavMissingDir() {
        let path = TestFiles.path(dir, "no/such/dir/out.wav")
        do {
            _ = try WavFileSink(path: path, sampleRate: 48000)
            Issue.record("created a file in a missing directory")
        } catch {
            #expect(error == .file(path: path, reason: "No such file or directory"))
            #expect(error.description.contains("'\(path)'"))
        }
    }
}
