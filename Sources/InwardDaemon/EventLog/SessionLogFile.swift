import InwardLog
import InwardPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// One session's log file, open for append: the system calls, each retried on
/// EINTR and turned into a `LogWriteError` naming the file.
///
/// Not thread-safe on its own (hence @unchecked): `TimelineLog` serializes
/// every access under its lock and lets one thread at a time call `sync()`
/// outside it.
final class SessionLogFile: @unchecked Sendable {
    let path: String
    private(set) var fd: Int32
    /// Hash of the last complete line, the next line's `prev`.
    var prev: String
    /// Bytes known to be in the file, to cut a partial write back off.
    private var size: Int64
    /// The file ended in a torn line when opened: the next append starts with a
    /// newline so that torn fragment stays a line of its own.
    private var needsNewline: Bool

    /// Lines appended, and lines known to be durable (group commit's counters).
    var appended: UInt64 = 0
    var durable: UInt64 = 0
    /// One thread is in fdatasync for everyone.
    var syncing = false
    /// After a failed fdatasync the kernel may have dropped the dirty pages:
    /// nothing after it can be promised, so the failure sticks.
    var syncFailure: LogWriteError?
    /// The folder of a file just created, to fsync with the first `sync()`:
    /// the new name must survive a power cut, but the fsync waits for the disk,
    /// so it goes with the first event's wait (off the thread that appends).
    private var unsyncedDirectory: String?

    static let fileMode: mode_t = 0o640

    /// Opens (creating when absent, never truncating) `directory/<session>.jsonl`.
    /// An existing file's chain is continued from its last complete line.
    init(directory: String, session: String) throws(LogWriteError) {
        path = directory + "/" + session + ".jsonl"
        var created = true
        var fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, Self.fileMode)
        if fd < 0 && errno == EEXIST {
            created = false
            fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        }
        guard fd >= 0 else { throw LogWriteError(path: path, operation: "open", errno: errno) }
        self.fd = fd
        // The umask may have taken bits off; an existing file may be wider.
        if fchmod(fd, Self.fileMode) != 0 {
            let e = errno
            Glibc.close(fd)
            throw LogWriteError(path: path, operation: "fchmod 0640", errno: e)
        }
        prev = LogLine.genesis
        size = 0
        needsNewline = false
        if created {
            unsyncedDirectory = directory
        } else {
            try resumeChain()
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Appends `bytes` (one whole line with its newline) with a single write(2)
    /// when the kernel takes it all, continuing partial writes. On failure the
    /// partial line is cut off again, so the file keeps ending in a whole line.
    func append(_ line: [UInt8]) throws(LogWriteError) {
        guard fd >= 0 else { throw LogWriteError(path: path, operation: "write", reason: "write failed: the log is closed") }
        let bytes = needsNewline ? [10] + line : line
        let (written, failure) = DurableIO.writeAll(fd, bytes)
        if failure != 0 {
            if written > 0 { _ = ftruncate(fd, off_t(size)) }
            throw LogWriteError(path: path, operation: "write", errno: failure)
        }
        size += Int64(written)
        needsNewline = false
    }

    /// fdatasync(2): the appended lines are on the medium when it returns
    /// (and, after the file was created, its name in the folder).
    func sync() throws(LogWriteError) {
        if let directory = unsyncedDirectory {
            try Self.syncDirectory(directory, file: path)
            unsyncedDirectory = nil
        }
        do throws(SystemCallError) {
            try SystemCall.retrying("fdatasync") { fdatasync(fd) }
        } catch {
            throw LogWriteError(path: path, operation: "fdatasync", errno: error.errno)
        }
    }

    /// Reads an existing file to continue its chain from its last complete line.
    private func resumeChain() throws(LogWriteError) {
        let reader = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw LogWriteError(path: path, operation: "open for reading", errno: errno) }
        defer { Glibc.close(reader) }
        var st = stat()
        guard fstat(reader, &st) == 0 else { throw LogWriteError(path: path, operation: "fstat", errno: errno) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFCHR: return   // a device such as /dev/full (how a full disk is tested): nothing to continue
        default: throw LogWriteError(path: path, operation: "open", reason: "open failed: not a regular file")
        }
        var content: [UInt8] = []
        content.reserveCapacity(Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do throws(SystemCallError) {
                n = try SystemCall.retrying("read") { chunk.withUnsafeMutableBytes { Glibc.read(reader, $0.baseAddress, $0.count) } }
            } catch {
                throw LogWriteError(path: path, operation: "read", errno: error.errno)
            }
            if n == 0 || content.count >= Int(st.st_size) { break }
            content += chunk[0..<n]
        }
        size = Int64(content.count)
        guard let lastNewline = content.lastIndex(of: 10) else {
            needsNewline = !content.isEmpty
            return
        }
        needsNewline = lastNewline != content.count - 1
        let start = content[..<lastNewline].lastIndex(of: 10).map { $0 + 1 } ?? 0
        prev = SHA256.hex(content[start..<lastNewline])
    }

    private static func syncDirectory(_ directory: String, file: String) throws(LogWriteError) {
        let failure = DurableIO.syncDirectory(directory)
        if failure != 0 { throw LogWriteError(path: file, operation: "fsync its folder", errno: failure) }
    }
}
