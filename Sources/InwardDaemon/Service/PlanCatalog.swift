import Foundation
import InwardAudio
import InwardCore
import InwardProtocol

/// The plans a daemon offers: every `*.toml` in its plan folders.
struct PlanCatalog {
    let directories: [String]

    private func files() -> [String] {
        var out: [String] = []
        for dir in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where name.hasSuffix(".toml") {
                out.append(URL(fileURLWithPath: dir).appendingPathComponent(name).path)
            }
        }
        return out
    }

    /// A plan by file name (with or without .toml), plan name, or path.
    func resolve(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.fileExists(atPath: name) ? name : nil }
        let stem = name.hasSuffix(".toml") ? String(name.dropLast(5)) : name
        let all = files()
        if let hit = all.first(where: { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent == stem }) {
            return hit
        }
        return all.first { file in
            (try? PlanLoader.load(file))?.plan.name.caseInsensitiveCompare(name) == .orderedSame
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
}
