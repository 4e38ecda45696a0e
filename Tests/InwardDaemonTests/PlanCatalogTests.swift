import Foundation
@testable import InwardDaemon
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Which plan files `Start` may take: `PlanCatalog.resolve` judges a request
/// by where it resolves, before anything opens it.
@Suite("PlanCatalog: plans only from plan folders")
struct PlanCatalogTests {
    /// `root/plans/a.toml`, `root/outside/b.toml`, `root/outside/fifo.toml` (a FIFO); real paths.
    func folders() throws -> (plans: String, outside: String) {
        var template = Array("/tmp/inward-catalog-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        let root = try #require(PlanCatalog.realPath(String(cString: made)))
        let plans = root + "/plans", outside = root + "/outside"
        for dir in [plans, outside] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try "name = \"A\"\n".write(toFile: plans + "/a.toml", atomically: true, encoding: .utf8)
        try "name = \"B\"\n".write(toFile: outside + "/b.toml", atomically: true, encoding: .utf8)
        #expect(mkfifo(outside + "/fifo.toml", 0o644) == 0)
        return (plans, outside)
    }

    @Test("paths inside resolve to the real file; outside, through .. or a symlink, they are refused, existing or not")
    func resolution() throws {
        let (plans, outside) = try folders()
        let catalog = PlanCatalog(directories: [plans])
        #expect(catalog.resolve("a") == .found(plans + "/a.toml"))
        #expect(catalog.resolve(plans + "/a.toml") == .found(plans + "/a.toml"))
        #expect(catalog.resolve(plans + "/./x/../a.toml") == .notFound)   // no folder x: nothing there, judged by its text
        #expect(catalog.resolve("a.toml") == .found(plans + "/a.toml"))
        #expect(catalog.resolve(plans + "/missing.toml") == .notFound)
        #expect(catalog.resolve(outside + "/b.toml") == .outside(requested: outside + "/b.toml", resolved: outside + "/b.toml"))
        #expect(catalog.resolve(outside + "/none.toml") == .outside(requested: outside + "/none.toml", resolved: outside + "/none.toml"))
        #expect(catalog.resolve(plans + "/../outside/b.toml") == .outside(requested: plans + "/../outside/b.toml", resolved: outside + "/b.toml"))
        #expect(symlink(outside + "/b.toml", plans + "/link.toml") == 0)
        #expect(catalog.resolve(plans + "/link.toml") == .outside(requested: plans + "/link.toml", resolved: outside + "/b.toml"))
        #expect(catalog.resolve("link") == .notFound)
        #expect(catalog.resolve(outside + "/fifo.toml") == .outside(requested: outside + "/fifo.toml", resolved: outside + "/fifo.toml"))
        #expect(catalog.resolve(outside + "/fifo.toml", anywhere: true) == .notRegularFile(outside + "/fifo.toml"))
        #expect(catalog.resolve(outside + "/b.toml", anywhere: true) == .found(outside + "/b.toml"))
        // A folder that is itself a symlink is judged by where it leads.
        #expect(symlink(plans, outside + "/plans-link") == 0)
        #expect(PlanCatalog(directories: [outside + "/plans-link"]).resolve(plans + "/a.toml") == .found(plans + "/a.toml"))
        // No plan folders at all: every path is outside.
        #expect(PlanCatalog(directories: []).resolve(plans + "/a.toml") != .found(plans + "/a.toml"))
    }

    @Test("the refusal names the path, where it led, the plan folders and what to do")
    func refusalText() throws {
        let (plans, outside) = try folders()
        let catalog = PlanCatalog(directories: [plans, "/usr/share/inward/plans"])
        let text = try #require(catalog.refusal(.outside(requested: plans + "/link.toml", resolved: outside + "/b.toml")))
        #expect(text.contains(plans + "/link.toml (it leads to \(outside)/b.toml)"), "\(text)")
        #expect(text.contains("(\(plans), /usr/share/inward/plans)"), "\(text)")
        #expect(text.contains("copy the plan into one of them (e.g. \(plans)/)"), "\(text)")
        let none = try #require(PlanCatalog(directories: []).refusal(.outside(requested: "/x.toml", resolved: "/x.toml")))
        #expect(none.contains("the daemon has none") && none.contains("--plans DIR"), "\(none)")
    }

    @Test("allow_plans_anywhere is a boolean setting, off by default")
    func anywhereSetting() throws {
        var settings = DaemonConfig.defaults(environment: [:])
        #expect(settings.allowPlansAnywhere == false)
        let (plans, _) = try folders()
        try "allow_plans_anywhere = true\n".write(toFile: plans + "/c.conf", atomically: true, encoding: .utf8)
        try settings.load(file: plans + "/c.conf")
        #expect(settings.allowPlansAnywhere)
        try "allow_plans_anywhere = \"yes\"\n".write(toFile: plans + "/d.conf", atomically: true, encoding: .utf8)
        #expect(throws: DaemonConfig.Invalid.self) { try settings.load(file: plans + "/d.conf") }
    }
}
