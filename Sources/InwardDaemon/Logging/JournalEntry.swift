import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// One structured journald entry, sent with `sd_journal_sendv` (the variadic
/// `sd_journal_send` cannot be called from Swift). Shared by the daemon's log
/// handler and the session-event mirror.
///
/// Threading: `send` may be called from any thread at once; each call is one
/// datagram on journald's socket, so it can wait briefly when journald is
/// slow. Never call it on the audio thread.
enum JournalEntry {
    /// Sends `fields` as one entry. Values may hold newlines or any bytes
    /// (sd_journal_sendv encodes them). Returns 0 or a negative errno; the
    /// journal is best effort and callers do not fail because of it.
    @discardableResult
    static func send(_ fields: [(key: String, value: String)]) -> Int32 {
        let buffers = fields.map { field -> UnsafeMutableRawBufferPointer in
            let bytes = Array(field.key.utf8) + [UInt8(ascii: "=")] + Array(field.value.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer { buffers.forEach { $0.deallocate() } }
        let iovecs = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        return sd_journal_sendv(iovecs, Int32(iovecs.count))
    }
}
