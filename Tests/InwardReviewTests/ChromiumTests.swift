@testable import InwardTestSupport
import Foundation
import InwardReview
import Testing

/// The HTML report as a browser draws it: headless Chromium (Debian's `chromium`)
/// takes a screenshot, and its pixels are checked.
@Suite("HTML in Chromium")
struct ChromiumTests {
    /// Decodes an 8-bit RGB/RGBA PNG with python3's zlib (no extra packages) and
    /// counts pixels near each colour given on the command line.
    static let pngCounter = pngDecoder + #"""
        targets = [tuple(int(t[i:i+2], 16) for i in (1, 3, 5)) for t in sys.argv[2:]]
        counts = [0] * len(targets); white = 0; colours = {}
        for line in rows:
            for x in range(0, stride, bpp):
                px = (line[x], line[x+1], line[x+2])
                if px[0] > 247 and px[1] > 247 and px[2] > 247: white += 1
                colours[px] = colours.get(px, 0) + 1
                for k, t in enumerate(targets):
                    if abs(px[0]-t[0]) <= 3 and abs(px[1]-t[1]) <= 3 and abs(px[2]-t[2]) <= 3: counts[k] += 1
        print(json.dumps({'width': w, 'height': h, 'counts': dict(zip(sys.argv[2:], counts)),
                          'white': white / (w*h), 'distinct': len(colours)}))
        """#

    /// Decodes an 8-bit RGB/RGBA PNG (argv[1]) into `rows`, `w`, `h`, `stride`, `bpp`.
    static let pngDecoder = #"""
        import json, struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
        pos, idat, w = 8, b'', 0
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos+8]); body = data[pos+8:pos+8+n]; pos += 12 + n
            if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            elif kind == b'IDAT': idat += body
        assert depth == 8 and ctype in (2, 6), 'unsupported PNG type %d/%d' % (depth, ctype)
        bpp = 3 if ctype == 2 else 4
        raw = zlib.decompress(idat); stride = w * bpp
        prev = bytearray(stride); rows = []
        for y in range(h):
            f = raw[y*(stride+1)]; line = bytearray(raw[y*(stride+1)+1:(y+1)*(stride+1)])
            for i in range(stride):
                a = line[i-bpp] if i >= bpp else 0; b = prev[i]; c = prev[i-bpp] if i >= bpp else 0
                if f == 1: line[i] = (line[i] + a) & 255
                elif f == 2: line[i] = (line[i] + b) & 255
                elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p-a), abs(p-b), abs(p-c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
            rows.append(bytes(line)); prev = line

        """#

    /// For each column holding the phase colour (argv[2]) in a band (20+ pixels),
    /// counts the pixels of the music colours (argv[3:]) in it; prints the
    /// phase's columns, those with next to no music drawn, and the gaps.
    static let musicRow = pngDecoder + #"""
        def rgb(t): return tuple(int(t[i:i+2], 16) for i in (1, 3, 5))
        phase = rgb(sys.argv[2]); music = [rgb(t) for t in sys.argv[3:]]
        def near(px, t): return abs(px[0]-t[0]) <= 4 and abs(px[1]-t[1]) <= 4 and abs(px[2]-t[2]) <= 4
        columns = []
        for x in range(w):
            o = x * bpp; p = 0; m = 0
            for line in rows:
                px = (line[o], line[o+1], line[o+2])
                if near(px, phase): p += 1
                elif any(near(px, t) for t in music): m += 1
            if p >= 20: columns.append((x, m))
        xs = [x for x, _ in columns]
        empty = [x for x, m in columns if m < 8]
        # Anti-aliased edges (a block's rounded corner, the shading's edge) leave single columns of
        # blended colour: a gap is two or more empty columns side by side.
        gaps = [x for x in empty if x + 1 in empty]
        print(json.dumps({'first': min(xs) if xs else -1, 'last': max(xs) if xs else -1, 'columns': len(xs),
                          'empty': empty[:20], 'gaps': gaps[:20]}))
        """#

    @Test func screenshotShowsTheTimeline() throws {
        guard let chromium = Run.which("chromium") else {
            Issue.record("chromium is not installed: install Debian's package (`apt-get install -y chromium`, or scripts/install-deps) to render the HTML report")
            return
        }
        let python = try #require(Run.which("python3"), "python3 is needed to decode the screenshot")
        let dir = try Run.tempDir("chromium")
        let html = dir + "/review.html", png = dir + "/review.png"
        try syntheticTimeline().report(.html).write(toFile: html, atomically: true, encoding: .utf8)

        let shot = try Run.process("/usr/bin/timeout", ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                                         "--hide-scrollbars", "--no-first-run", "--user-data-dir=\(dir)/profile",
                                                         "--screenshot=\(png)", "--window-size=1400,1000", "file://\(html)"],
                                   environment: ["HOME": dir])
        #expect(shot.status == 0, "chromium failed: \(shot.stderr.suffix(1500))")
        try #require(FileManager.default.fileExists(atPath: png), "no screenshot; chromium said: \(shot.stderr.suffix(1500))")

        let colours = Array(HTMLReport.phaseColours.prefix(4)) + ["#2f5d7c", "#f6e3bd", "#dcd8ee"]
        let counted = try Run.process(python, ["-c", Self.pngCounter, png] + colours)
        try #require(counted.status == 0, "decoding the PNG failed: \(counted.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(counted.stdout.utf8)) as? [String: Any])
        let counts = try #require(result["counts"] as? [String: Int])
        let white = try #require(result["white"] as? Double)
        let distinct = try #require(result["distinct"] as? Int)
        #expect(result["width"] as? Int == 1400 && result["height"] as? Int == 1000)
        // Phase bands: each phase's colour fills a substantial area (the shortest, onset, is 600 s of 3520 s).
        for colour in HTMLReport.phaseColours.prefix(4) {
            #expect((counts[colour] ?? 0) > 4000, "phase colour \(colour): \(counts[colour] ?? 0) pixels (\(counted.stdout))")
        }
        #expect((counts["#2f5d7c"] ?? 0) > 800, "level envelope line: \(counted.stdout)")
        #expect((counts["#f6e3bd"] ?? 0) > 1500, "pause shading: \(counted.stdout)")
        #expect((counts["#dcd8ee"] ?? 0) > 3000, "silence shading: \(counted.stdout)")
        // Not a blank or error page: mostly background, but far from all white, and many colours (text, shapes).
        #expect(white < 0.9, "\(counted.stdout)")
        #expect(distinct > 200, "\(counted.stdout)")
        print("screenshot: \(png)")
    }

    @Test func theMusicRowIsFilledAcrossTheWholePlaylistPhase() throws {
        guard let chromium = Run.which("chromium") else {
            Issue.record("chromium is not installed: install Debian's package (`apt-get install -y chromium`, or scripts/install-deps) to render the HTML report")
            return
        }
        let python = try #require(Run.which("python3"), "python3 is needed to decode the screenshot")
        let dir = try Run.tempDir("chromium-music")
        let html = dir + "/review.html", png = dir + "/review.png"
        try CrossfadeSession.timeline().report(.html).write(toFile: html, atomically: true, encoding: .utf8)
        let shot = try Run.process("/usr/bin/timeout", ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                                         "--hide-scrollbars", "--no-first-run", "--user-data-dir=\(dir)/profile",
                                                         "--screenshot=\(png)", "--window-size=1400,1000", "file://\(html)"],
                                   environment: ["HOME": dir])
        #expect(shot.status == 0, "chromium failed: \(shot.stderr.suffix(1500))")
        try #require(FileManager.default.fileExists(atPath: png), "no screenshot; chromium said: \(shot.stderr.suffix(1500))")

        // The onset phase (the playlist: three tracks, a failed file, the takeover) and what the music row
        // may show over it: tracks, the soundscape, and the pause shading laid over them at its opacity.
        let onset = HTMLReport.phaseColours[1]
        let fills = HTMLReport.trackColours + [HTMLReport.soundscapeColour]
        let (pause, opacity) = HTMLReport.quietColours[.pause]!
        func blend(_ a: String, _ b: String, _ alpha: Double) -> String {
            func c(_ s: String, _ i: Int) -> Double { Double(Int(s.dropFirst(1 + 2 * i).prefix(2), radix: 16)!) }
            return "#" + (0..<3).map { i in
                let v = Int((c(b, i) * alpha + c(a, i) * (1 - alpha)).rounded())
                return (v < 16 ? "0" : "") + String(v, radix: 16)
            }.joined()
        }
        let shaded = fills.map { blend($0, pause, Double(opacity)!) }
        let measured = try Run.process(python, ["-c", Self.musicRow, png, onset] + fills + shaded)
        try #require(measured.status == 0, "decoding the PNG failed: \(measured.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(measured.stdout.utf8)) as? [String: Any])
        let columns = try #require(result["columns"] as? Int)
        // Onset is 900 s of the 2700 s session: about a third of the plot's width.
        #expect(columns > 300, "the onset band is \(columns) px wide: \(measured.stdout)")
        let empty = try #require(result["empty"] as? [Int]), gaps = try #require(result["gaps"] as? [Int])
        #expect(gaps.isEmpty && empty.count <= columns / 100, "columns of the onset phase with no music drawn: \(measured.stdout)")
        print("screenshot: \(png)")
    }
}
