@testable import InwardDaemon
import Testing

/// The rules of a lost device: the retry schedule and the fade-in back.
@Suite("DeviceOutage: retrying a lost device and fading back in")
struct DeviceOutageTests {
    @Test("an attempt is due one interval after the last began, or at once when a slow open already took longer")
    func schedule() {
        #expect(DeviceOutage.nextAttempt(lastStarted: -.infinity, now: 5) == 5)
        #expect(DeviceOutage.nextAttempt(lastStarted: 10, now: 10.2) == 10 + DeviceOutage.retryInterval)
        #expect(DeviceOutage.nextAttempt(lastStarted: 10, now: 13.5) == 13.5)
        #expect(DeviceOutage.retryInterval == 1)
    }

    @Test("the fade-in starts from silence, rises without a step on the equal-power curve, and ends at full level")
    func fadeIn() {
        let frames = 144_000
        #expect(DeviceOutage.fadeInGain(frame: 0, of: frames) == 0)
        #expect(abs(DeviceOutage.fadeInGain(frame: frames / 2, of: frames) - 0.7071) < 0.001)
        #expect(DeviceOutage.fadeInGain(frame: frames, of: frames) == 1)
        #expect(DeviceOutage.fadeInGain(frame: frames * 3, of: frames) == 1)
        #expect(DeviceOutage.fadeInGain(frame: 0, of: 0) == 1)
        var previous: Float = 0
        var largestStep: Float = 0
        for i in stride(from: 0, through: frames, by: 480) {
            let g = DeviceOutage.fadeInGain(frame: i, of: frames)
            #expect(g >= previous)
            largestStep = max(largestStep, g - previous)
            previous = g
        }
        #expect(largestStep < 0.01, "a step of \(largestStep) in 10 ms")
    }
}
