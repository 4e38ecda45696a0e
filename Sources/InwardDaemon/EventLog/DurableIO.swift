import InwardPOSIX
#if canImport(Glibc)
import Glibc
#endif

/// The two system-call loops every file the daemon must not lose goes
/// through: the session logs and the resume state.
enum DurableIO {
    /// Writes all of `bytes` to `fd`, continuing partial writes and retrying
    /// EINTR. Returns the bytes written and 0, or what was written before the
    /// failure and its errno.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> (written: Int, errno: Int32) {
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                do throws(SystemCallError) {
                    let n = try SystemCall.retrying("write") { write(fd, raw.baseAddress! + written, raw.count - written) }
                    if n == 0 {
                        failure = EIO
                        return
                    }
                    written += n
                } catch {
                    failure = error.errno
                    return
                }
            }
        }
        return (written, failure)
    }

    /// fsync(2) of `directory`, so a file created, renamed or removed in it
    /// survives a power cut. Returns 0, or the errno of what failed.
    static func syncDirectory(_ directory: String) -> Int32 {
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { return errno }
        defer { close(dfd) }
        do throws(SystemCallError) {
            try SystemCall.retrying("fsync") { fsync(dfd) }
        } catch {
            return error.errno
        }
        return 0
    }
}
