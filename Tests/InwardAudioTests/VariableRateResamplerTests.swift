import InwardAudio
import Testing

/// libsoxr's variable-rate mode as the outputs use it: the frame it reports
/// holding (`delayFrames`) is what lets an output say which session frame it
/// plays, so it must be right to within a few frames, at 1 and off 1.
@Suite("Variable-rate resampler")
struct VariableRateResamplerTests {
    @Test("a click comes out where the delay it reports says it should", arguments: [1.0, 1.0008, 0.9992])
    func delayIsExact(ratio: Double) throws {
        let resampler = try VariableRateResampler()
        resampler.setRatio(ratio)
        let block = 1024
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 2 * block)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 4 * block)
        defer { input.deallocate(); output.deallocate() }
        let click = 48000 + 317          // input frame of the click, after the ratio has settled
        var fed = 0, produced = 0
        var clickOut: Int?
        var estimate: Double?
        while fed < 96000 {
            input.update(repeating: 0, count: 2 * block)
            if click >= fed && click < fed + block {
                input[2 * (click - fed)] = 1
                input[2 * (click - fed) + 1] = 1
            }
            let (consumed, n) = resampler.process(input: input, inputFrames: block, output: output, outputCapacity: 2 * block)
            #expect(consumed == block)
            fed += consumed
            for k in 0..<n where clickOut == nil && output[2 * k] > 0.5 {
                clickOut = produced + k
            }
            produced += n
            if let c = clickOut, estimate == nil, produced > c + 2 * block {
                // The input frame the output frame `c` plays, as the outputs compute it.
                estimate = Double(fed) - (resampler.delayFrames + Double(produced - c)) * resampler.ratio
            }
        }
        let found = try #require(estimate, "the click never came out")
        #expect(abs(found - Double(click)) < 3, "estimated input frame \(found), the click was at \(click)")
    }

    /// An output resamples each block of the clock output whole (OutputFollower): frames soxr left
    /// unconsumed would be lost between the ring and the device, and the output would jump ahead.
    @Test("a block is consumed whole with outputCapacity(inputFrames:), and every frame comes out once",
          arguments: [VariableRateResampler.maxRatio, 1 / VariableRateResampler.maxRatio, 1.001, 0.999])
    func blocksAreConsumedWhole(ratio: Double) throws {
        let resampler = try VariableRateResampler()
        resampler.setRatio(ratio)
        let block = 2048
        let capacity = VariableRateResampler.outputCapacity(inputFrames: block)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 2 * block)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 2 * capacity)
        defer { input.deallocate(); output.deallocate() }
        var fed = 0, produced = 0, partial = 0
        var mark = (fed: 0, out: 0.0)
        for k in 0..<200 {
            for i in 0..<block { input[2 * i] = Float(k * block + i).truncatingRemainder(dividingBy: 97) / 97; input[2 * i + 1] = 0 }
            let (consumed, n) = resampler.process(input: input, inputFrames: block, output: output, outputCapacity: capacity)
            if consumed != block { partial += 1 }
            fed += consumed
            produced += n
            // Once the ratio has glided there (block 20: 40960 frames), count from here.
            if k == 20 { mark = (fed, Double(produced) + resampler.delayFrames) }
        }
        #expect(partial == 0, "\(partial) blocks of 200 not consumed whole at ratio \(ratio)")
        // What went in since is what came out plus what soxr holds more, at the ratio: nothing lost or repeated.
        let unaccounted = Double(fed - mark.fed) - (Double(produced) + resampler.delayFrames - mark.out) * ratio
        #expect(abs(unaccounted) < 2, "\(unaccounted) input frames neither out nor held at ratio \(ratio)")
    }
}
