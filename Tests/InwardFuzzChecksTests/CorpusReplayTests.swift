import Foundation
import Testing
@testable import InwardFuzzChecks

/// Every seed and every regression input of every fuzz target, through the same
/// property checks the libFuzzer binaries run (CI does not fuzz; it replays).
@Suite struct CorpusReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: FuzzTarget) throws -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func replay(_ files: [URL], _ target: FuzzTarget) throws {
        for file in files {
            let input = [UInt8](try Data(contentsOf: file))
            do {
                try target.check(input)
            } catch {
                Issue.record("\(file.deletingLastPathComponent().lastPathComponent)/\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test("seed corpus", arguments: FuzzTarget.allCases)
    func seeds(_ target: FuzzTarget) throws {
        let files = try Self.inputs("Corpus", target)
        #expect(files.count >= 3, "Fuzz/Corpus/\(target.rawValue) should hold seeds")
        try Self.replay(files, target)
    }

    @Test("regression inputs", arguments: FuzzTarget.allCases)
    func regressions(_ target: FuzzTarget) throws {
        try Self.replay(try Self.inputs("Regressions", target), target)
    }
}
