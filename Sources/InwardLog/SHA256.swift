import CCrypto

/// SHA-256 through OpenSSL's libcrypto (its low-level SHA256_* calls: see
/// CCrypto's shim.h for why not EVP).
public enum SHA256 {
    /// The digest of `bytes` as 64 lowercase hex digits.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var digest = [UInt8](repeating: 0, count: 32)
        var context = SHA256_CTX()
        let ok = Array(bytes).withUnsafeBytes { raw in
            SHA256_Init(&context) == 1 && SHA256_Update(&context, raw.baseAddress, raw.count) == 1
                && SHA256_Final(&digest, &context) == 1
        }
        precondition(ok, "SHA256_Init/Update/Final failed")
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
