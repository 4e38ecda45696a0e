import Glibc

/// Status round trips over raw Unix sockets.
enum StatusBench {
    static func connectTo(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8.prefix(raw.count - 1)) + [0])
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            print("cannot connect to \(path): \(String(cString: strerror(errno)))")
            exit(1)
        }
        return fd
    }

    static func nanos() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Runs `calls` Status calls on one connection; returns each round trip in ns.
    static func session(_ path: String, calls: Int) -> [UInt64] {
        let fd = connectTo(path)
        defer { close(fd) }
        let request = Array(#"{"method":"io.inward.Session.Status"}"#.utf8) + [0]
        var buffer = [UInt8](repeating: 0, count: 65536)
        var times = [UInt64]()
        times.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = nanos()
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var done = false
            while !done {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { print("connection lost"); exit(1) }
                done = buffer[n - 1] == 0
            }
            times.append(nanos() - start)
        }
        return times
    }

    static func run(_ arguments: [String]) {
        let path = arguments[0]
        let clients = arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1
        let calls = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
        _ = session(path, calls: 200)   // warm up
        final class Results: @unchecked Sendable {
            var all: [[UInt64]]
            init(_ n: Int) { all = Array(repeating: [], count: n) }
        }
        let results = Results(clients)
        var threads: [pthread_t] = []
        final class Job { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
        for c in 0..<clients {
            let job = Unmanaged.passRetained(Job { results.all[c] = session(path, calls: calls) }).toOpaque()
            var t = pthread_t()
            pthread_create(&t, nil, { raw in
                Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, job)
            threads.append(t)
        }
        for t in threads { pthread_join(t, nil) }
        let sorted = results.all.flatMap { $0 }.sorted()
        func pct(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000 }
        print("status round trip, \(clients) client\(clients == 1 ? "" : "s") x \(calls) calls: "
            + "p50 \(Int(pct(0.50))) us, p99 \(Int(pct(0.99))) us, max \(Int(Double(sorted.last ?? 0) / 1000)) us")
    }
}
