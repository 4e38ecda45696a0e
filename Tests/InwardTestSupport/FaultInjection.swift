import Foundation

/// Faults injected at the libc boundary into a process the test starts:
/// the package's test-only LD_PRELOAD library (`libInwardFaultInjection.so`,
/// Tests/FaultInjection), built beside the executables.
enum FaultInjection {
    static let libraryName = "libInwardFaultInjection.so"

    /// The built library's path, or an error saying where it looked.
    static func library() throws -> String {
        let dirs = Products.directories()
        for dir in dirs {
            let candidate = dir.appendingPathComponent(libraryName).path
            if FileManager.default.isReadableFile(atPath: candidate) { return candidate }
        }
        throw Products.NotFound(description: "cannot find the built \(libraryName); looked in: "
            + dirs.map(\.path).joined(separator: ", ") + ". Build the package first (swift build --build-tests).")
    }

    /// The environment that makes every fsync(2) and fdatasync(2) of the
    /// process take `milliseconds` longer (a slow disk) before the real call.
    static func slowDisk(milliseconds: Int) throws -> [String: String] {
        ["LD_PRELOAD": try library(), "INWARD_FAULT_FSYNC_DELAY_MS": String(milliseconds)]
    }

    /// The environment that makes every fsync(2) and fdatasync(2) of the
    /// process wait while `gate` does not exist: remove the file and the disk
    /// hangs, create it again and it goes on. A test can then tell, by order
    /// alone, what did not wait for the disk: whatever answered while it hung.
    static func hungDisk(gate: String) throws -> [String: String] {
        ["LD_PRELOAD": try library(), "INWARD_FAULT_FSYNC_GATE": gate]
    }
}
