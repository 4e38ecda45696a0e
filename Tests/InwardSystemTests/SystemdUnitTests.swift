@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The unit files as `scripts/install` installs them, checked by systemd's own
/// tools without a running systemd: `systemd-analyze verify` and
/// `systemd-analyze security --offline=yes`.
@Suite("systemd units, offline", .serialized)
struct SystemdUnitTests {
    /// The overall exposure measured for inwardd@.service (systemd 252); a change
    /// that weakens the sandbox raises it and fails the test.
    static let exposureThreshold = 0.6

    /// Installs into a fresh root with `scripts/install --skip-build` and adds
    /// systemd's own units (sysinit.target, ...) so `--root` finds what ours
    /// depend on. Returns the root; the caller removes `root/..` when done.
    func installedRoot(prefix: String) throws -> URL {
        let dir = TestAudio.temporaryDirectory("systemd-units")
        let root = dir.appendingPathComponent("root")
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for exe in ["inward", "inwardd"] {
            try FileManager.default.copyItem(atPath: try Products.executable(exe), toPath: bin.appendingPathComponent(exe).path)
        }
        let install = try SystemdProcess.run(Products.packageRoot.appendingPathComponent("scripts/install").path,
                                             ["--skip-build", "--bin-dir", bin.path, "--destdir", root.path, "--prefix", prefix])
        try #require(install.status == 0, "scripts/install failed: \(install)")
        let systemUnits = root.appendingPathComponent("lib/systemd")
        try FileManager.default.createDirectory(at: systemUnits, withIntermediateDirectories: true)
        let copy = try SystemdProcess.run("/bin/cp", ["-a", "/lib/systemd/system", systemUnits.path])
        try #require(copy.status == 0, "copying systemd's units failed: \(copy)")
        return root
    }

    @Test("systemd-analyze verify finds no problem in the installed units", arguments: ["/usr", "/usr/local"])
    func verify(prefix: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                     "systemd-analyze is missing (Debian's systemd package; scripts/install-deps installs it)")
        let root = try installedRoot(prefix: prefix)
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let units = root.appendingPathComponent(String(prefix.dropFirst()) + "/lib/systemd/system")
        let service = try String(contentsOf: units.appendingPathComponent("inwardd@.service"), encoding: .utf8)
        #expect(service.contains("\nExecStart=\(prefix)/bin/inwardd "), "ExecStart does not name \(prefix)/bin/inwardd")

        // --man=no: the Documentation= man pages need man-db, which a server may not have.
        let args = ["verify", "--man=no", "--root=\(root.path)", "inwardd@room1.socket", "inwardd-observe@room1.socket",
                    "inwardd@room1.service"]
        let r = try SystemdProcess.run("/usr/bin/systemd-analyze", args, timeout: 60)
        #expect(r.status == 0, "systemd-analyze verify failed: \(r)")
        // Warnings (unknown keys, bad values) do not change the exit status: there must be none.
        #expect(r.stdout.isEmpty && r.stderr.isEmpty, "systemd-analyze verify reported: \(r)")

        // And the check can fail: without the binary ExecStart names, verify says so.
        try FileManager.default.removeItem(at: root.appendingPathComponent(String(prefix.dropFirst()) + "/bin/inwardd"))
        let broken = try SystemdProcess.run("/usr/bin/systemd-analyze", args, timeout: 60)
        #expect(broken.status != 0 && broken.stderr.contains("\(prefix)/bin/inwardd"),
                "verify did not notice the missing \(prefix)/bin/inwardd: \(broken)")
    }

    @Test("systemd-analyze security --offline=yes rates inwardd@.service at or below the threshold")
    func security() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                     "systemd-analyze is missing (Debian's systemd package; scripts/install-deps installs it)")
        let root = try installedRoot(prefix: "/usr")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let r = try SystemdProcess.run("/usr/bin/systemd-analyze",
                                       ["security", "--offline=yes", "--no-pager", "--root=\(root.path)",
                                        "--threshold=\(Int(Self.exposureThreshold * 10))", "inwardd@room1.service"],
                                       timeout: 60)
        let text = r.stdout + r.stderr
        // "→ Overall exposure level for inwardd@room1.service: 0.6 SAFE 😀"
        let line = text.split(separator: "\n").first { $0.contains("Overall exposure level for inwardd@room1.service:") }
        let figure = line.flatMap { l -> Double? in
            let after = l[l.range(of: "inwardd@room1.service:")!.upperBound...]
            return after.split(separator: " ").first.flatMap { Double($0) }
        }
        let exposure = try #require(figure, "no overall exposure in the output: \(r)")
        print("systemd-analyze security --offline=yes inwardd@room1.service: \(line ?? "")")
        #expect(exposure <= Self.exposureThreshold, "exposure \(exposure) is above \(Self.exposureThreshold):\n\(text)")
        #expect(line?.contains("SAFE") == true || line?.contains("OK") == true, "\(line ?? "")")
        // --threshold (in tenths here) makes systemd-analyze itself fail above it.
        #expect(r.status == 0, "systemd-analyze security failed: \(r)")
    }

    /// Every file and its mode under `root`, and each file's bytes, for comparing two installs.
    struct Entry: Equatable, CustomStringConvertible {
        var mode: String
        var bytes: Data
        var description: String { "\(mode) \(bytes.count) bytes" }
        func hasPrefix(_ p: String) -> Bool { description.hasPrefix(p) }
    }

    func snapshot(_ root: URL) throws -> [String: Entry] {
        var files: [String: Entry] = [:]
        let e = FileManager.default.enumerator(atPath: root.path)
        while let rel = e?.nextObject() as? String {
            let path = root.appendingPathComponent(rel).path
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            let mode = String((attrs[.posixPermissions] as? Int) ?? 0, radix: 8)
            let data = attrs[.type] as? FileAttributeType == .typeRegular ? (FileManager.default.contents(atPath: path) ?? Data()) : Data()
            files[rel] = Entry(mode: mode, bytes: data)
        }
        return files
    }

    @Test("scripts/install puts each file in its place with its mode, and a second run changes nothing")
    func installLayout() throws {
        let dir = TestAudio.temporaryDirectory("systemd-install")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bin = dir.appendingPathComponent("bin"), root = dir.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for exe in ["inward", "inwardd"] {
            try FileManager.default.copyItem(atPath: try Products.executable(exe), toPath: bin.appendingPathComponent(exe).path)
        }
        let script = Products.packageRoot.appendingPathComponent("scripts/install").path
        let args = ["--skip-build", "--bin-dir", bin.path, "--destdir", root.path]
        let first = try SystemdProcess.run(script, args)
        try #require(first.status == 0, "\(first)")
        let once = try snapshot(root)
        let expected: [String: String] = [
            "usr/bin/inward": "755", "usr/bin/inwardd": "755",
            "usr/lib/systemd/system/inwardd@.socket": "644", "usr/lib/systemd/system/inwardd@.service": "644",
            "usr/lib/systemd/system/inwardd-observe@.socket": "644",
            "usr/lib/sysusers.d/inward.conf": "644", "usr/share/inward/plans/im.toml": "644",
            "usr/share/doc/inward/room.toml.example": "644", "usr/share/doc/inward/systemd.md": "644",
            "etc/inward/rooms": "755", "etc/inward/plans": "755",
        ]
        for (path, mode) in expected {
            #expect(once[path]?.hasPrefix(mode + " ") == true, "\(path): \(once[path].map(String.init(describing:)) ?? "missing")")
        }
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Products.packageRoot.appendingPathComponent("Playlists").path)
            .filter { $0.hasSuffix(".toml") }
        #expect(!shipped.isEmpty)
        for plan in shipped { #expect(once["usr/share/inward/plans/\(plan)"] != nil, "plan \(plan) not installed") }
        // A clinic's room config survives a reinstall.
        try "device = \"hw:CARD=Room1\"\n".write(to: root.appendingPathComponent("etc/inward/rooms/room1.toml"), atomically: true, encoding: .utf8)
        let second = try SystemdProcess.run(script, args)
        #expect(second.status == 0, "\(second)")
        var twice = try snapshot(root)
        #expect(twice.removeValue(forKey: "etc/inward/rooms/room1.toml") != nil)
        let changed = Set(twice.keys).union(once.keys).filter { twice[$0] != once[$0] }
        #expect(changed.isEmpty, "the second install changed: \(changed.sorted())")
        #expect(first.stdout.contains("staged in"), "with DESTDIR it must not touch the machine: \(first)")
    }
}
