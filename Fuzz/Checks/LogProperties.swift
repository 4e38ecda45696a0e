import InwardLog

/// Properties of the session-log reader and chain verifier (InwardLog's LogReader.swift,
/// LogChain.swift) for any file bytes:
/// - the reader never drops a complete line that is a log line, and accounts for
///   every other line as a problem;
/// - the verifier accepts only a file an independent re-check of the chain accepts;
/// - on a file it accepts, changing, deleting or inserting one byte anywhere in the
///   lines the chain covers fails verification at the line of that byte (or, when
///   the edit leaves the last line unfinished, a torn tail, at the line before it).
enum LogProperties {
    static func check(_ input: [UInt8]) throws(PropertyViolation) {
        try checkReader(input)
        let report = LogChain.verify(input)
        try checkVerdict(input, report)
        if report.ok, report.verifiedLines > 0 {
            try checkMutations(input, report)
        }
    }

    // MARK: Reader

    static func checkReader(_ input: [UInt8]) throws(PropertyViolation) {
        let contents = LogReader.read(input)
        let (lines, tail) = splitLines(input)
        try require(contents.lineCount == lines.count + (tail == nil ? 0 : 1), "line count",
                    "\(contents.lineCount) for \(lines.count) lines and \(tail == nil ? "no" : "a") tail")
        let numbers = contents.events.map(\.lineNumber)
        try require(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "events in file order", "\(numbers)")
        var events: [Int: LogLine] = [:]
        for e in contents.events { events[e.lineNumber] = e.line }
        let problems = Set(contents.problems.map(\.lineNumber))
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if let decoded = try? LogLine.decode(Array(line)) {
                try require(events[number] == decoded, "no complete log line dropped", "line \(number) \(show(Array(line)))")
                try require(!problems.contains(number), "a line is an event or a problem", "line \(number) is both")
            } else {
                try require(events[number] == nil && problems.contains(number), "other lines are problems",
                            "line \(number) \(show(Array(line))): event \(events[number] != nil), problem \(problems.contains(number))")
            }
        }
        let last = lines.count + 1
        if let tail {
            if let decoded = try? LogLine.decode(Array(tail)) {
                try require(events[last] == decoded && contents.torn?.kept == true, "a whole last line without newline is kept",
                            "line \(last) \(show(Array(tail)))")
            } else {
                try require(events[last] == nil, "a torn tail is not an event", "line \(last)")
                try require((contents.torn != nil) != problems.contains(last), "a tail is torn or a problem",
                            "line \(last): torn \(String(describing: contents.torn)), problem \(problems.contains(last))")
            }
        } else {
            try require(contents.torn == nil, "no tail, no tear", "\(String(describing: contents.torn))")
        }
        try require(problems.allSatisfy { (1...last).contains($0) }, "problems name lines of the file", "\(problems.sorted())")
    }

    // MARK: Verifier

    /// An accepted file is a chain: every checked line canonical, the first `prev`
    /// genesis, each next `prev` the SHA-256 of the line before, `seq` up by one.
    static func checkVerdict(_ input: [UInt8], _ report: LogChain.Report) throws(PropertyViolation) {
        let (lines, tail) = splitLines(input)
        guard report.ok else {
            let failure = report.failure!
            try require((1...(lines.count + 1)).contains(failure.lineNumber), "a break names a line of the file",
                        "line \(failure.lineNumber) of \(lines.count + (tail == nil ? 0 : 1))")
            try require(report.verifiedLines < failure.lineNumber, "lines verified come before the break",
                        "\(report.verifiedLines) verified, break at \(failure.lineNumber)")
            return
        }
        var checked = lines
        if let tail, let line = try? LogLine.decode(Array(tail)), line.bytes == Array(tail) {
            checked.append(tail)
            try require(report.torn?.kept == true, "a whole last line is verified", "torn \(String(describing: report.torn))")
        } else if tail != nil {
            try require(report.torn?.kept == false, "an accepted tail is a torn one", "torn \(String(describing: report.torn))")
        }
        var previous: (seq: Int64, hash: String)?
        for (index, raw) in checked.enumerated() {
            let number = index + 1
            guard let line = try? LogLine.decode(Array(raw)) else {
                throw PropertyViolation("verify accepts only log lines", "line \(number) \(show(Array(raw)))")
            }
            try require(line.bytes == Array(raw), "verify accepts only canonical lines", "line \(number) \(show(Array(raw)))")
            if let previous {
                try require(line.prev == previous.hash, "verify accepts only a chain", "line \(number) prev \(line.prev)")
                try require(line.seq == previous.seq &+ 1, "verify accepts only consecutive seq", "line \(number) seq \(line.seq)")
            } else {
                try require(line.prev == LogLine.genesis, "verify accepts only a chain from genesis", "line 1 prev \(line.prev)")
            }
            previous = (line.seq, SHA256.hex(raw))
        }
        try require(report.verifiedLines == checked.count, "every line verified", "\(report.verifiedLines) of \(checked.count)")
        try require(report.head == previous?.hash, "head is the last line's hash", "\(String(describing: report.head))")
    }

    /// Up to 8 single-byte edits of an accepted file, at places picked from a hash of
    /// the file: each must fail at the edited line (the head catches the last line).
    static func checkMutations(_ input: [UInt8], _ report: LogChain.Report) throws(PropertyViolation) {
        guard let head = report.head else { return }
        let (lines, tail) = splitLines(input)
        let covered = report.verifiedLines <= lines.count ? lines[report.verifiedLines - 1].endIndex : tail!.endIndex
        guard covered > 0 else { return }
        var state = fnv1a(input)
        for _ in 0..<min(8, covered) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let position = Int((state >> 33) % UInt64(covered))
            let byte = UInt8(truncatingIfNeeded: state >> 16)
            var mutated = input
            let what: String
            let line: Int
            switch state % 3 {
            case 0:
                mutated[position] = byte == input[position] ? byte ^ 0x01 : byte
                what = "byte \(position) changed from \(input[position]) to \(mutated[position])"
                line = lineOf(mutated, position)
            case 1:
                mutated.remove(at: position)
                what = "byte \(position) (\(input[position])) deleted"
                line = lineOf(input, position)
            default:
                mutated.insert(byte, at: position)
                what = "byte \(byte) inserted at \(position)"
                line = lineOf(mutated, position)
            }
            let after = LogChain.verify(mutated, expectedHead: head)
            guard let failure = after.failure else {
                throw PropertyViolation("verify finds every edit", "\(what) (line \(line)) passed verification")
            }
            // LogChain's rule: an unfinished last line is a torn tail (a crash trace, not a
            // break). An edit that leaves the last line unfinished looks exactly like that,
            // so the recorded head fails at the last whole line, just before it.
            let tornByTheEdit = after.torn.map { !$0.kept && $0.lineNumber == line } ?? false
            let expected = tornByTheEdit && failure.reason == .headMismatch ? line - 1 : line
            try require(failure.lineNumber == expected, "verify names the edited line",
                        "\(what) is on line \(line), verify says \(failure)")
        }
    }

    /// 1-based line holding the byte at `position` (a newline belongs to the line it ends).
    static func lineOf(_ bytes: [UInt8], _ position: Int) -> Int {
        1 + bytes[..<position].lazy.filter { $0 == 0x0A }.count
    }

    /// Newline-terminated lines (newline excluded) and the bytes after the last newline.
    static func splitLines(_ input: [UInt8]) -> (lines: [ArraySlice<UInt8>], tail: ArraySlice<UInt8>?) {
        var lines = input.split(separator: 0x0A, omittingEmptySubsequences: false)
        let tail = lines.removeLast()
        return (lines, tail.isEmpty ? nil : tail)
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
