import Foundation
import InwardAudio
import InwardCore
import InwardProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The plans a daemon offers: every `*.toml` regular file in its plan folders.
///
/// The plan folders are the only place `Start` takes a plan from. A caller
/// on the control socket is staff, not the daemon's user: a path elsewhere
/// would let them have the daemon read (and quote, in a parse error) a file
/// they may not read themselves. So a requested path is resolved (symlinks
/// and `..`, with realpath(3), which never opens the file) and refused
/// unless it lands inside a plan folder; a refused file is never opened.
/// Only regular files are plans: a FIFO or a device would block the server
/// thread that reads it.
///
/// Threads: a value; any thread (the server thread calls it).
struct PlanCatalog {
    let directories: [String]

    /// What a plan request came to.
    enum Resolution: Equatable {
        /// The plan file to load: its resolved path.
        case found(String)
        /// No plan of that name in the folders, and no such file inside them.
        case notFound
        /// The path resolves outside every plan folder (`resolved`: where it leads).
        case outside(requested: String, resolved: String)
        /// Inside a plan folder (or allowed anywhere) but not a regular file.
        case notRegularFile(String)
    }

    /// The plan folders as real paths (symlinks resolved); a folder that does not exist is left out.
    private var realDirectories: [String] {
        directories.compactMap(Self.realPath)
    }

    /// Whether `path` (a real path) is inside one of the plan folders.
    private func isInside(_ path: String, of folders: [String]) -> Bool {
        folders.contains { folder in
            path.hasPrefix(folder == "/" ? "/" : folder + "/")
        }
    }

    private func files() -> [String] {
        let folders = realDirectories
        var out: [String] = []
        for (dir, real) in zip(directories, directories.map(Self.realPath)) where real != nil {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where name.hasSuffix(".toml") {
                let path = URL(fileURLWithPath: dir).appendingPathComponent(name).path
                // A symlink in a plan folder that leads out of them is not a plan of the folder.
                guard let resolved = Self.realPath(path), isInside(resolved, of: folders), Self.isRegularFile(resolved) else {
                    continue
                }
                out.append(path)
            }
        }
        return out
    }

    /// A plan by file name (with or without .toml), plan name, or path.
    /// - Parameter anywhere: a path outside the plan folders may be taken too
    ///   (the caller could read any file the daemon can: `allow_plans_anywhere`).
    func resolve(_ name: String, anywhere: Bool = false) -> Resolution {
        if name.contains("/") { return resolvePath(name, anywhere: anywhere) }
        let stem = name.hasSuffix(".toml") ? String(name.dropLast(5)) : name
        let all = files()
        if let hit = all.first(where: { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent == stem }) {
            return .found(hit)
        }
        let byName = all.first { file in
            (try? PlanLoader.load(file))?.plan.name.caseInsensitiveCompare(name) == .orderedSame
        }
        return byName.map { .found($0) } ?? .notFound
    }

    /// A path: absolute, or relative to the plan folders (the first that has it).
    private func resolvePath(_ path: String, anywhere: Bool) -> Resolution {
        let folders = realDirectories
        let candidates = path.hasPrefix("/") ? [path] : directories.map { $0 + "/" + path }
        // The first candidate that exists, else the first: a missing file is judged where it would be.
        let requested = candidates.first { Self.realPath($0) != nil } ?? candidates.first ?? path
        // realpath(3) resolves symlinks and `..` by lstat and readlink only; a
        // path that does not resolve (nothing there) is judged by its text.
        let real = Self.realPath(requested)
        let resolved = real ?? Self.lexicallyNormalized(requested)
        guard isInside(resolved, of: folders) || anywhere else {
            return .outside(requested: requested, resolved: resolved)
        }
        guard let real else { return .notFound }
        guard Self.isRegularFile(real) else { return .notRegularFile(real) }
        return .found(real)
    }

    /// Why a path was refused and what to do, for the `plan` parameter's error.
    func refusal(_ resolution: Resolution) -> String? {
        let folders = directories.isEmpty ? "none configured" : directories.joined(separator: ", ")
        switch resolution {
        case .outside(let requested, let resolved):
            let leads = requested == resolved ? "" : " (it leads to \(resolved))"
            guard let first = directories.first else {
                return "\(requested)\(leads) is not in a plan folder, and the daemon has none: give it one "
                    + "(`plans` in its config or --plans DIR), put the plan there and start it by name"
            }
            return "\(requested)\(leads) is not in a plan folder (\(folders)); the daemon plays only plans from its "
                + "plan folders: copy the plan into one of them (e.g. \(first)/), check it with `inward check`, "
                + "and start it by name (`inward plans` lists them)"
        case .notRegularFile(let path):
            return "\(path) is not a regular file; a plan is a TOML file in a plan folder (\(folders))"
        case .found, .notFound:
            return nil
        }
    }

    /// `PlanInfo` objects for ListPlans.
    func list() -> [JSONObject] {
        files().map { file in
            let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            do throws(PlanInvalid) {
                let loaded = try PlanLoader.load(file)
                let plan = loaded.plan
                var planned: Double? = 0
                for phase in plan.phases {
                    if case .fixed(let s) = phase.length { planned = planned.map { $0 + s } } else { planned = nil }
                }
                return [
                    "name": .string(stem), "file": .string(file), "description": .string(plan.description),
                    "route": .string(plan.route.rawValue), "phases": .array(plan.phases.map { .string($0.name) }),
                    "planned_seconds": .optional(planned), "valid": .bool(true), "problem": .null,
                ]
            } catch {
                return [
                    "name": .string(stem), "file": .string(file), "description": .string(""), "route": .string("other"),
                    "phases": .array([]), "planned_seconds": .null, "valid": .bool(false),
                    "problem": .string(error.diagnostics.first?.description ?? "invalid plan"),
                ]
            }
        }
    }

    /// The plan name closest to a mistyped `name` (file stems and plan
    /// names), for "did you mean"; nil when none is close.
    func nearest(to name: String) -> String? {
        let stems = files().map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        let word = name.hasSuffix(".toml") ? String(name.dropLast(5)) : name
        return NearestKey.nearest(to: word, in: stems)
    }

    // MARK: Paths

    /// realpath(3): the absolute path with every symlink, `.` and `..`
    /// resolved; nil when some part of it does not exist or cannot be searched.
    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `.` and `..` taken out by the text alone (for a path with nothing there).
    static func lexicallyNormalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// stat(2), which follows the path without opening it.
    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
