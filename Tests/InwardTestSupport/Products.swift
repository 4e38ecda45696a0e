import Foundation

/// Finds the package's built executables (`inward`, `inwardd`) from a test
/// process, whatever the scratch path.
enum Products {
    /// The package root (the folder holding Package.swift).
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    /// Folders that may hold the products, best first: `INWARD_BIN_DIR`, the
    /// folder of the running test bundle, then the package's scratch folders.
    static func directories() -> [URL] {
        var dirs: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["INWARD_BIN_DIR"] { dirs.append(URL(fileURLWithPath: explicit)) }
        for path in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
            var url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            while url.path != "/" {
                if url.pathExtension == "xctest" { dirs.append(url.deletingLastPathComponent()); break }
                url = url.deletingLastPathComponent()
            }
            dirs.append(URL(fileURLWithPath: path).deletingLastPathComponent())
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot.path)) ?? []
        for name in entries.sorted() where name.hasPrefix(".build") {
            dirs.append(packageRoot.appendingPathComponent(name).appendingPathComponent("debug"))
        }
        return dirs
    }

    struct NotFound: Error, CustomStringConvertible { let description: String }

    /// The path of executable `name`, or an error listing where it looked.
    static func executable(_ name: String) throws -> String {
        let dirs = directories()
        for dir in dirs {
            let candidate = dir.appendingPathComponent(name).path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw NotFound(description: "cannot find the built '\(name)'; looked in: " + dirs.map(\.path).joined(separator: ", ")
            + ". Build it first (swift build) or set INWARD_BIN_DIR.")
    }
}
