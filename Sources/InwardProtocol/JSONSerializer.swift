/// Compact JSON serialisation: no whitespace, object members in their stored order,
/// strings as UTF-8 with `"`, `\` and control characters (U+0000-U+001F) escaped
/// (`\b \f \n \r \t`, else `\u00XX`). Integers print in decimal; floats print in the
/// shortest form that reads back to the same `Double` and always with a `.` or an
/// exponent (`1.0`, `-0.0`, `1e-07`), so they parse back as `.number`, not `.integer`.
/// A non-finite `Double` (which the parser never produces) is written as `null`.
extension JSONValue {
    public func serialize(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: nullBytes)
        case .bool(let b): out.append(contentsOf: b ? trueBytes : falseBytes)
        case .integer(let v): appendInteger(v, to: &out)
        case .number(let d): appendDouble(d, to: &out)
        case .string(let s): appendJSONString(s, to: &out)
        case .array(let elements):
            out.append(0x5B)
            var first = true
            for e in elements {
                if !first { out.append(0x2C) }
                first = false
                e.serialize(into: &out)
            }
            out.append(0x5D)
        case .object(let object):
            object.serialize(into: &out)
        }
    }

    /// The compact JSON text as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        serialize(into: &out)
        return out
    }

    /// The compact JSON text.
    public var jsonString: String { String(decoding: jsonBytes, as: UTF8.self) }
}

extension JSONObject {
    public func serialize(into out: inout [UInt8]) {
        out.append(0x7B)
        var first = true
        for m in members {
            if !first { out.append(0x2C) }
            first = false
            appendJSONString(m.key, to: &out)
            out.append(0x3A)
            m.value.serialize(into: &out)
        }
        out.append(0x7D)
    }
}

private let nullBytes: [UInt8] = Array("null".utf8)
private let trueBytes: [UInt8] = Array("true".utf8)
private let falseBytes: [UInt8] = Array("false".utf8)
private let lowerHex: [UInt8] = Array("0123456789abcdef".utf8)

func appendInteger(_ v: Int64, to out: inout [UInt8]) {
    if v == 0 {
        out.append(0x30)
        return
    }
    // Work on the negative magnitude so Int64.min needs no special case.
    var n = v < 0 ? v : -v
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch, enough for 19 digits
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buf in
        while n != 0 {
            let q = n / 10
            buf[count] = UInt8(q * 10 - n) + 0x30
            n = q
            count += 1
        }
        if v < 0 { out.append(0x2D) }
        while count > 0 {
            count -= 1
            out.append(buf[count])
        }
    }
}

func appendDouble(_ d: Double, to out: inout [UInt8]) {
    guard d.isFinite else {
        out.append(contentsOf: nullBytes)
        return
    }
    // Fast path for the common case (levels, seconds): a decimal with at most 8
    // fraction digits that reads back exactly. m / 10^k with m < 2^53 and k <= 8 is
    // correctly rounded, so the check below proves the text round-trips; the smallest
    // such k gives the shortest text.
    let magnitude = d.magnitude
    if magnitude < 1e15 && (magnitude >= 1e-4 || magnitude == 0) {
        for k in 0...8 {
            let scale = exactPowersOfTen[k]
            let m = (magnitude * scale).rounded()
            guard m < 9_007_199_254_740_992 else { break }
            if m / scale == magnitude {
                if d.sign == .minus { out.append(0x2D) }
                let n = Int64(m)
                let divisor = Int64(exactPowersOfTen[k])
                appendInteger(n / divisor, to: &out)
                out.append(0x2E)
                if k == 0 {
                    out.append(0x30)
                } else {
                    var fraction = n % divisor
                    var digits: (UInt64) = 0 // 8 bytes: k <= 8 digits
                    withUnsafeMutableBytes(of: &digits) { buf in
                        for j in stride(from: k - 1, through: 0, by: -1) {
                            buf[j] = UInt8(fraction % 10) + 0x30
                            fraction /= 10
                        }
                        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[0..<k]))
                    }
                }
                return
            }
        }
    }
    // Swift's description is the shortest round-trip form and always has '.' or 'e'
    // for finite values ("1.0", "1e-07", "1e+16", "-0.0"), all valid JSON numbers.
    out.append(contentsOf: d.description.utf8)
}

func appendJSONString(_ s: String, to out: inout [UInt8]) {
    out.append(0x22)
    var s = s
    s.withUTF8 { bytes in
        var runStart = 0
        var k = 0
        while k < bytes.count {
            let c = bytes[k]
            if c >= 0x20 && c != 0x22 && c != 0x5C {
                k += 1
                continue
            }
            if runStart < k { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<k])) }
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            default:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, lowerHex[Int(c >> 4)], lowerHex[Int(c & 0xF)]])
            }
            k += 1
            runStart = k
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
    }
    out.append(0x22)
}
