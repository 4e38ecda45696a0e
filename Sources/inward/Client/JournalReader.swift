import CSystemd
import InwardLog
#if canImport(Glibc)
import Glibc
#endif

/// Reads what the daemon mirrored to journald about a session: each event's
/// sequence number and log-line hash (`INWARD_SEQ`, `INWARD_HASH`).
enum JournalReader {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// The session's records from the local system journal, or from the
    /// journal files in `directory` (e.g. copied off the treatment-room machine).
    static func records(session: String, directory: String?) throws(Failure) -> [JournalWitness.Record] {
        var journal: OpaquePointer?
        let rc: Int32
        if let directory {
            rc = sd_journal_open_directory(&journal, directory, 0)
        } else {
            rc = sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
        }
        guard rc >= 0, let journal else {
            throw Failure(description: "cannot open the journal\(directory.map { " in \($0)" } ?? ""): \(String(cString: strerror(-rc)))")
        }
        defer { sd_journal_close(journal) }
        let match = "INWARD_SESSION=\(session)"
        guard sd_journal_add_match(journal, match, 0) >= 0, sd_journal_seek_head(journal) >= 0 else {
            throw Failure(description: "cannot search the journal for \(match)")
        }
        var records: [JournalWitness.Record] = []
        while sd_journal_next(journal) > 0 {
            guard let seq = field(journal, "INWARD_SEQ").flatMap({ Int64($0) }),
                  let hash = field(journal, "INWARD_HASH") else { continue }
            records.append(JournalWitness.Record(seq: seq, hash: hash))
        }
        return records
    }

    private static func field(_ journal: OpaquePointer, _ name: String) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        guard sd_journal_get_data(journal, name, &data, &length) >= 0, let data else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        let prefix = name + "="
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : nil
    }
}
