public import InwardCore
import Foundation
import InwardProtocol
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `STATE/state.json`: the session under way, saved so a restarted daemon
/// picks it up again. Replaced atomically (a new file, fdatasync, rename, the
/// folder fsynced), so a crash leaves the old state or the new one, never a
/// mix; removed when the session ends. Mode 0640 like the logs: it names the
/// client's code. Written only through `ResumeStateWriter`, its one writer.
public final class ResumeStore: Sendable {
    public let path: String
    private let directory: String
    private let writing = Mutex(())

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(stateDirectory: String) {
        directory = stateDirectory
        path = stateDirectory + "/state.json"
    }

    /// The saved state, nil when there is none.
    public func load() throws(Failure) -> ResumeState? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if access(path, F_OK) == 0 { throw Failure(description: "\(path): cannot read it; check its permissions") }
            return nil
        }
        do {
            guard let object = try JSONValue.parse(Array(data)).objectValue else {
                throw ResumeState.FormatError(description: "not a JSON object")
            }
            return try ResumeState(json: object)
        } catch {
            throw Failure(description: "\(path): not a saved session (\(error)); it is set aside as state.json.bad")
        }
    }

    /// Moves an unreadable state file aside, so it is kept for a look but not read again.
    public func setAside() {
        _ = rename(path, path + ".bad")
    }

    /// Replaces the saved state with `state`.
    public func save(_ state: ResumeState) throws(Failure) {
        let bytes = JSONValue.object(state.json).jsonBytes + [10]
        try writing.withLock { _ throws(Failure) in
            let temporary = path + ".new"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw failure("open", temporary) }
            let (_, writeFailure) = DurableIO.writeAll(fd, bytes)
            if writeFailure != 0 {
                let error = failure("write", temporary, writeFailure)
                close(fd)
                unlink(temporary)
                throw error
            }
            _ = fchmod(fd, 0o640)
            if fdatasync(fd) != 0 {
                let error = failure("fdatasync", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            close(fd)
            guard rename(temporary, path) == 0 else { throw failure("rename", path) }
            let synced = DurableIO.syncDirectory(directory)
            if synced != 0 { throw failure("fsync the folder of", path, synced) }
        }
    }

    /// Forgets the saved state (the session ended).
    public func remove() {
        writing.withLock { _ in
            if unlink(path) == 0 { _ = DurableIO.syncDirectory(directory) }
        }
    }


    private func failure(_ operation: String, _ file: String, _ code: Int32 = errno) -> Failure {
        Failure(description: "\(file): \(operation) failed: \(String(cString: strerror(code))); "
            + "check that the state folder is writable and the disk has room")
    }
}
