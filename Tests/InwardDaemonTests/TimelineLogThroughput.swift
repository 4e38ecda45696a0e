import Foundation
@testable import InwardDaemon
import InwardProtocol
import Synchronization
import Testing

/// How many events a second the log makes durable, fdatasync per event
/// against group commit, with 1 and 8 recording threads. A measurement, not
/// an assertion (disks differ); the figures are printed.
@Suite("timeline log throughput")
struct TimelineLogThroughput {
    static func measure(groupCommit: Bool, threads: Int, each: Int) throws -> Double {
        let log = TimelineLog(directory: TimelineLogTests.folder(), groupCommit: groupCommit)
        let next = Atomic<Int64>(0)
        let done = DispatchGroup()
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<threads {
            done.enter()
            Thread {
                for _ in 0..<each {
                    let seq = next.add(1, ordering: .relaxed).newValue
                    try? log.record(TimelineLogTests.event(seq, "mark.vitals", fields: ["systolic": 120, "diastolic": 80]),
                                    session: "bench")
                }
                done.leave()
            }.start()
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let lines = try TimelineLogTests.checkChain(log.path(of: "bench")).count
        #expect(lines == threads * each)
        return Double(lines) / seconds
    }

    @Test("events per second, fdatasync per event against group commit")
    func figures() throws {
        var report: [String] = []
        for threads in [1, 8] {
            let each = 400 / threads
            let single = try Self.measure(groupCommit: false, threads: threads, each: each)
            let group = try Self.measure(groupCommit: true, threads: threads, each: each)
            report.append("\(threads) thread(s), \(threads * each) events: fdatasync per event \(Int(single)) events/s, "
                          + "group commit \(Int(group)) events/s")
        }
        print("timeline log throughput:\n  " + report.joined(separator: "\n  "))
    }
}
