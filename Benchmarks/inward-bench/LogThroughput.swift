import Foundation
import InwardDaemon
import InwardProtocol
import Synchronization

/// How many events a second the session log makes durable: fdatasync per
/// event against group commit, with 1 and 8 recording threads, on the file
/// system of DIR. A measurement, reported, never asserted (disks differ).
enum LogThroughput {
    static func run(_ args: [String]) {
        let root = args.first ?? NSTemporaryDirectory()
        let total = args.count > 1 ? Int(args[1]) ?? 400 : 400
        print("session log throughput in \(root), \(total) events a run:")
        for threads in [1, 8] {
            let each = total / threads
            let single = measure(in: root, groupCommit: false, threads: threads, each: each)
            let group = measure(in: root, groupCommit: true, threads: threads, each: each)
            print("  \(threads) thread(s), \(threads * each) events: fdatasync per event \(Int(single)) events/s, "
                  + "group commit \(Int(group)) events/s")
        }
    }

    static func measure(in root: String, groupCommit: Bool, threads: Int, each: Int) -> Double {
        var template = Array((root + "/inward-log-bench-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            print("cannot make a folder in \(root): \(String(cString: strerror(errno)))")
            exit(1)
        }
        let folder = String(cString: made)
        chmod(folder, 0o750)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = TimelineLog(directory: folder, groupCommit: groupCommit)
        let next = Atomic<Int64>(0)
        let failures = Atomic<Int>(0)
        let done = DispatchGroup()
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<threads {
            done.enter()
            Thread {
                for _ in 0..<each {
                    let seq = next.add(1, ordering: .relaxed).newValue
                    let event: JSONObject = [
                        "seq": .integer(seq), "kind": "mark.vitals", "time": "2026-11-26T15:37:02.699Z",
                        "session_seconds": .number(Double(seq)), "t0_seconds": .null, "phase": "arrival",
                        "fields": .object(["systolic": 120, "diastolic": 80]),
                    ]
                    do { try log.record(event, session: "bench") } catch { failures.add(1, ordering: .relaxed) }
                }
                done.leave()
            }.start()
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let lines = ((try? Data(contentsOf: URL(fileURLWithPath: log.path(of: "bench")))) ?? Data()).filter { $0 == 10 }.count
        if lines != threads * each || failures.load(ordering: .relaxed) > 0 {
            print("the log holds \(lines) lines of \(threads * each) events (\(failures.load(ordering: .relaxed)) failed)")
            exit(1)
        }
        return Double(lines) / seconds
    }
}
