public import InwardCore
import Foundation

/// Plans parsed before, by their text: the daemon reads every plan for each
/// `ListPlans` and the chosen one again for `Start`, and TOMLKit keeps about
/// 25 kB of every parse for good (measured by scripts/soak), so a day of
/// `inward plans` would grow the daemon without end. A plan whose text, file
/// and folder are the same, and whose playlists exist or not as they did, is
/// not parsed again: the answer would be the same (`PlanParser` is pure).
///
/// Threads: any; one lock guards the entries.
public final class PlanParseCache: @unchecked Sendable {
    /// The one the plan loader uses.
    public static let shared = PlanParseCache()

    /// Entries kept, the oldest forgotten first: more plans than a clinic has.
    let capacity: Int

    private struct Key: Hashable {
        var text: String
        var file: String
        var folder: String
    }

    private struct Entry {
        var result: Result<ParsedPlan, PlanInvalid>
        /// What the parse asked of the file system, and the answers.
        var asked: [(path: String, exists: Bool)]
        var used: UInt64
    }

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0
    private var parsed = 0

    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
    }

    /// `PlanParser.parse`, or its earlier answer for the same input.
    public func parse(_ text: String, file: String, folder: String,
                      fileExists: (String) -> Bool) throws(PlanInvalid) -> ParsedPlan {
        let key = Key(text: text, file: file, folder: folder)
        if let known = lookup(key), known.asked.allSatisfy({ fileExists($0.path) == $0.exists }) {
            return try known.result.get()
        }
        var asked: [(path: String, exists: Bool)] = []
        let result: Result<ParsedPlan, PlanInvalid>
        do throws(PlanInvalid) {
            result = .success(try PlanParser.parse(text, file: file, folder: folder) { path in
                let exists = fileExists(path)
                asked.append((path, exists))
                return exists
            })
        } catch {
            result = .failure(error)
        }
        lock.withLock { parsed += 1 }
        store(key, Entry(result: result, asked: asked, used: 0))
        return try result.get()
    }

    /// Entries held now.
    public var count: Int { lock.withLock { entries.count } }
    /// Times `PlanParser` was called.
    public var parses: Int { lock.withLock { parsed } }

    private func lookup(_ key: Key) -> Entry? {
        lock.withLock {
            clock += 1
            entries[key]?.used = clock
            return entries[key]
        }
    }

    private func store(_ key: Key, _ entry: Entry) {
        lock.withLock {
            clock += 1
            var entry = entry
            entry.used = clock
            entries[key] = entry
            while entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
        }
    }
}
