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
    /// depend on. Returns the root.
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
        let units = root.appendingPathComponent(String(prefix.dropFirst()) + "/lib/systemd/system")
        let service = try String(contentsOf: units.appendingPathComponent("inwardd@.service"), encoding: .utf8)
        #expect(service.contains("\nExecStart=\(prefix)/bin/inwardd "), "ExecStart does not name \(prefix)/bin/inwardd")

        // --man=no: the Documentation= man pages need man-db, which a server may not have.
        let args = ["verify", "--man=no", "--root=\(root.path)", "inwardd@room1.socket", "inwardd@room1.service"]
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
}
