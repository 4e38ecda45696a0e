// inward-bench: makes the issue's benchmark workload, so `scripts/bench` can
// time the real `inward render` on it.
//
//   inward-bench workload DIR
//
// writes DIR/track01.flac ... track12.flac (5 minutes each, 44.1 kHz stereo
// 16-bit FLAC, music-like: chords of harmonic notes with envelopes over a
// noise bed, so they do not compress trivially; neighbouring tracks differ by
// about 10 dB), DIR/bench.m3u8 and DIR/bench.toml (one phase playing them
// with 8 s crossfades).
//
//   inward-bench status SOCKET [CLIENTS] [CALLS]
//
// times Status round trips against a running inwardd with a minimal raw
// client (one persistent connection per client, bytes prepared up front), so
// the client's own cost does not dominate; prints p50 and p99.
//
//   inward-bench log [DIR] [EVENTS]
//
// times the session log's durable appends in DIR (default: the temporary
// folder): fdatasync per event against group commit, 1 and 8 threads.

import CSndfile
import Glibc

let args = CommandLine.arguments
if args.count >= 3, args[1] == "status" {
    StatusBench.run(Array(args.dropFirst(2)))
    exit(0)
}
if args.count >= 2, args[1] == "log" {
    LogThroughput.run(Array(args.dropFirst(2)))
    exit(0)
}
guard args.count == 3, args[1] == "workload" else {
    print("usage: inward-bench workload DIR | inward-bench status SOCKET [CLIENTS] [CALLS] | inward-bench log [DIR] [EVENTS]")
    exit(2)
}
let dir = args[2]
mkdir(dir, 0o755)

let rate = 44100
let seconds = 300
let tracks = 12
let table = 4096
// One period of a soft harmonic tone, read at any pitch.
var wave = [Float](repeating: 0, count: table + 1)
for i in 0...table {
    let x = 2 * Double.pi * Double(i) / Double(table)
    wave[i] = Float(sin(x) + 0.5 * sin(2 * x) + 0.25 * sin(3 * x) + 0.12 * sin(5 * x)) / 1.6
}
let scales: [[Double]] = [[0, 4, 7], [-3, 0, 4], [-7, -3, 0], [-5, -1, 2]]

struct Noise {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
}
var rng = Noise()

var m3u = "#EXTM3U\n"
for t in 1...tracks {
    let name = "track\(t < 10 ? "0" : "")\(t).flac"
    let path = "\(dir)/\(name)"
    m3u += "#EXTINF:\(seconds),Bench - Track \(t)\n\(name)\n"
    if access(path, R_OK) == 0 { continue }
    var info = SF_INFO()
    info.samplerate = Int32(rate)
    info.channels = 2
    info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
    guard let h = sf_open(path, Int32(SFM_WRITE), &info) else {
        print("cannot write \(path): \(String(cString: sf_strerror(nil)))")
        exit(1)
    }
    let level: Float = t % 2 == 0 ? 0.09 : 0.28   // about 10 dB apart
    let root = 110.0 * pow(2, Double((t * 5) % 12) / 12)
    var phases = [Double](repeating: 0, count: 6)
    let block = 4096
    var buffer = [Float](repeating: 0, count: block * 2)
    var low: Float = 0
    var frame = 0
    let total = seconds * rate
    while frame < total {
        let n = min(block, total - frame)
        for i in 0..<n {
            let time = Double(frame + i) / Double(rate)
            let bar = Int(time / 2.5) % scales.count
            let inBar = time.truncatingRemainder(dividingBy: 2.5)
            let env = Float(min(1, inBar * 8) * exp(-inBar * 0.7))
            var l: Float = 0, r: Float = 0
            for (k, semis) in scales[bar].enumerated() {
                let f = root * pow(2, semis / 12) * (k == 0 ? 1 : 2)
                for side in 0..<2 {
                    let v = k * 2 + side
                    phases[v] += f * (1 + 0.003 * Double(side)) / Double(rate)
                    if phases[v] >= 1 { phases[v] -= 1 }
                    let s = wave[Int(phases[v] * Double(table))]
                    if side == 0 { l += s } else { r += s }
                }
            }
            low += 0.05 * (rng.next() - low)
            let bed = 0.35 * low + 0.08 * rng.next()
            buffer[2 * i] = level * (env * l / 3 + bed)
            buffer[2 * i + 1] = level * (env * r / 3 + bed)
        }
        sf_writef_float(h, buffer, sf_count_t(n))
        frame += n
    }
    sf_close(h)
    print("wrote \(path)")
}
let write = { (name: String, text: String) in
    let f = fopen("\(dir)/\(name)", "w")!
    fputs(text, f)
    fclose(f)
}
write("bench.m3u8", m3u)
let length = tracks * seconds - (tracks - 1) * 8
write("bench.toml", """
    # The benchmark workload: 12 five-minute FLAC tracks with 8 s crossfades.
    name = "benchmark"
    route = "other"
    [[phase]]
    name = "music"
    duration = "\(length)s"
    level_db = 0
    fade_in = "1s"
    fade_out = "1s"
    crossfade = "8s"
    source = { kind = "playlist", path = "bench.m3u8" }

    """)
print("workload ready: \(dir)/bench.toml (\(length) s of audio)")
