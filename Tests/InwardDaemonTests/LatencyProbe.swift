import Foundation
@testable import InwardTestSupport
import InwardDaemon
import InwardPOSIX
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A rough round-trip probe, not a benchmark and not an assertion: debug build,
/// test handler. Off by default; run with INWARD_LATENCY_PROBE=1. The benchmark
/// proper (release build, real session service) is done separately.
@Suite("ControlServer: latency probe")
struct LatencyProbe {
    @Test("Echo round trips on one persistent connection (prints p50/p99)",
          .enabled(if: ProcessInfo.processInfo.environment["INWARD_LATENCY_PROBE"] != nil))
    func probe() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        let message = Array(#"{"method":"io.inward.Test.Echo","parameters":{"x":1}}"#.utf8) + [0]
        var samples: [UInt64] = []
        samples.reserveCapacity(10_000)
        for i in 0..<11_000 {
            let start = MonotonicClock.nanoseconds
            client.send(message)
            _ = client.read()
            let end = MonotonicClock.nanoseconds
            if i >= 1000 { samples.append(end - start) }
        }
        samples.sort()
        let p50 = Double(samples[samples.count / 2]) / 1000
        let p99 = Double(samples[samples.count * 99 / 100]) / 1000
        print("latency probe (debug build): p50 \(p50) us, p99 \(p99) us over \(samples.count) calls")
    }
}
