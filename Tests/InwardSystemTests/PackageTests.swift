@testable import InwardTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Debian package as a clinic gets it: `scripts/package` run on this
/// test run's own binaries (so CI builds Swift once), read with dpkg-deb and
/// lintian, then installed with dpkg into a real systemd booted in a sandbox,
/// upgraded in the middle of a session and purged. Needs root (the sandbox),
/// as CI has.
///
/// The test build's binaries load the Swift runtime from the toolchain
/// through a RUNPATH, which lintian calls an error
/// (custom-library-search-path); that is the one thing allowed here that a
/// release package (`scripts/package` without --from-build) does not have.
@Suite("the Debian package: contents, lintian, install, upgrade mid-session, purge", .serialized, .debianPackages)
struct PackageTests {
    let built: BuiltPackages
    init() throws { built = try BuiltPackages.shared() }

    static let room = SystemdSandbox.room

    // MARK: - What is in it

    @Test("control fields, Depends from the linked C libraries, the conffile and the files a clinic needs")
    func contents() throws {
        let info = try run("/usr/bin/dpkg-deb", ["-f", built.first.path])
        try #require(info.status == 0, "dpkg-deb -f: \(info)")
        let fields = Self.fields(info.stdout)
        #expect(fields["Package"] == "inward")
        #expect(fields["Version"] == built.firstVersion)
        let arch = try run("/usr/bin/dpkg", ["--print-architecture"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(fields["Architecture"] == arch)
        let depends = Set((fields["Depends"] ?? "").split(separator: ",").map {
            String($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        })
        for library in ["libasound2", "libsndfile1", "libsoxr0", "libebur128-1", "libssl3", "libsystemd0", "libc6", "systemd"] {
            #expect(depends.contains(library), "Depends lacks \(library): \(fields["Depends"] ?? "")")
        }
        #expect(fields["Recommends"] == "libasound2-plugins")
        #expect(built.second.lastPathComponent == "inward_\(built.secondVersion)_\(arch).deb")

        let conffiles = try run("/bin/sh", ["-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -xOf - ./conffiles", "-", built.first.path])
        #expect(conffiles.stdout == "/etc/inward/inwardd.toml\n", "\(conffiles)")

        let listing = try run("/usr/bin/dpkg-deb", ["-c", built.first.path])
        try #require(listing.status == 0, "\(listing)")
        var entries: [String: String] = [:]   // path -> "mode owner/group"
        for line in listing.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 6 else { continue }
            var path = String(parts[5])
            if path.hasPrefix("./") { path.removeFirst() }
            entries[path] = "\(parts[0]) \(parts[1])"
        }
        let expected = [
            "/usr/bin/inward": "-rwxr-xr-x root/root", "/usr/bin/inwardd": "-rwxr-xr-x root/root",
            "/usr/lib/systemd/system/inwardd@.service": "-rw-r--r-- root/root",
            "/usr/lib/systemd/system/inwardd@.socket": "-rw-r--r-- root/root",
            "/usr/lib/systemd/system/inwardd-observe@.socket": "-rw-r--r-- root/root",
            "/usr/lib/sysusers.d/inward.conf": "-rw-r--r-- root/root",
            "/usr/share/inward/plans/im.toml": "-rw-r--r-- root/root",
            "/etc/inward/inwardd.toml": "-rw-r--r-- root/root",
            "/etc/inward/rooms/": "drwxr-xr-x root/root", "/etc/inward/plans/": "drwxr-xr-x root/root",
            "/usr/share/man/man1/inward.1.gz": "-rw-r--r-- root/root",
            "/usr/share/man/man8/inwardd.8.gz": "-rw-r--r-- root/root",
            "/usr/share/man/man5/inward-plan.5.gz": "-rw-r--r-- root/root",
            "/usr/share/bash-completion/completions/inward": "-rw-r--r-- root/root",
            "/usr/share/bash-completion/completions/inwardd": "-rw-r--r-- root/root",
            "/usr/share/zsh/vendor-completions/_inward": "-rw-r--r-- root/root",
            "/usr/share/fish/vendor_completions.d/inward.fish": "-rw-r--r-- root/root",
            "/usr/share/doc/inward/copyright": "-rw-r--r-- root/root",
            "/usr/share/doc/inward/changelog.Debian.gz": "-rw-r--r-- root/root",
            "/usr/share/doc/inward/systemd.md": "-rw-r--r-- root/root",
            "/usr/share/doc/inward/plans.md": "-rw-r--r-- root/root",
            "/usr/share/doc/inward/room.toml.example": "-rw-r--r-- root/root",
        ]
        for (path, mode) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(entries[path] == mode, "\(path): \(entries[path] ?? "missing") in the package, want \(mode)")
        }
        // Every plan the repository ships.
        let plans = try FileManager.default.contentsOfDirectory(atPath: Products.packageRoot.appendingPathComponent("Playlists").path)
            .filter { $0.hasSuffix(".toml") }
        #expect(!plans.isEmpty)
        for plan in plans {
            #expect(entries["/usr/share/inward/plans/\(plan)"] != nil, "plan \(plan) is not in the package")
        }
        // The binaries are stripped (lintian would say so too, as a warning).
        let extracted = try built.extracted()
        let sections = try run("/usr/bin/readelf", ["-S", extracted.appendingPathComponent("usr/bin/inwardd").path])
        #expect(sections.status == 0 && !sections.stdout.contains(".symtab") && !sections.stdout.contains(".debug_info"),
                "inwardd is not stripped")
    }

    @Test("the man pages render without a groff warning and say what they should")
    func manPages() throws {
        let root = try built.extracted()
        let pages = [
            ("usr/share/man/man1/inward.1.gz", ["INWARD(1)", "COMMON OPTIONS", "--room", "EXIT STATUS", "INWARD_SOCKET",
                                                  "inwardd(8)", "inward-plan(5)"]),
            ("usr/share/man/man8/inwardd.8.gz", ["INWARDD(8)", "--state-dir", "CONFIGURATION", "SIGTERM", "78",
                                                   "/var/lib/inward/ROOM/sessions"]),
            ("usr/share/man/man5/inward-plan.5.gz", ["INWARD-PLAN(5)", "level_cap_db", "until dose", "max_extend"]),
        ]
        for (page, words) in pages {
            let r = try run("/usr/bin/man", ["--warnings", "-E", "UTF-8", "-l", root.appendingPathComponent(page).path],
                            environment: ["MANWIDTH": "100", "LC_ALL": "C.UTF-8", "MAN_KEEP_FORMATTING": nil, "PAGER": "cat"])
            #expect(r.status == 0, "man \(page): \(r)")
            #expect(r.stderr.isEmpty, "groff warnings for \(page):\n\(r.stderr)")
            let text = r.stdout.replacingOccurrences(of: "\u{2010}", with: "-").replacingOccurrences(of: "\u{2212}", with: "-")
            for word in words {
                #expect(text.contains(word), "\(page) does not say '\(word)'")
            }
        }
        // inward(1) has a section for every command the CLI has (generated, so a new command cannot be missed).
        let inward1 = try run("/bin/sh", ["-c", "zcat \"$1\"", "-", root.appendingPathComponent(pages[0].0).path]).stdout
        for command in ["plans", "start", "dose", "status", "hold", "next", "volume", "mark", "stop", "check", "render",
                        "sessions", "review", "verify"] {
            #expect(inward1.contains("\n.SS \(command)\n"), "inward(1) has no section for `inward \(command)`")
        }
        #expect(!inward1.contains("\n.SS help\n"))
    }

    @Test("inward-plan(5) documents every key docs/plans.md does")
    func planPageMatchesDocs() throws {
        let docs = try String(contentsOf: Products.packageRoot.appendingPathComponent("docs/plans.md"), encoding: .utf8)
        let page = try String(contentsOf: Products.packageRoot.appendingPathComponent("docs/man/inward-plan.5"), encoding: .utf8)
        // The first column of the key reference tables: | `key` | ...
        var keys: [String] = []
        for line in docs.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            keys.append(String(cell))
        }
        #expect(keys.count >= 20, "found only \(keys) in docs/plans.md's tables")
        for key in keys {
            let roff = key.replacingOccurrences(of: "-", with: "\\-")
            let named = page.contains("\n.BR \(roff) ") || page.contains("\n.B \(roff)\n") || page.contains("\n.BR \(roff)\n")
            #expect(named, "inward-plan(5) has no entry for the key `\(key)` that docs/plans.md documents")
        }
    }

    @Test("inwardd(8) names every setting docs/daemon.md does")
    func daemonPageMatchesDocs() throws {
        let docs = try String(contentsOf: Products.packageRoot.appendingPathComponent("docs/daemon.md"), encoding: .utf8)
        let page = try String(contentsOf: Products.packageRoot.appendingPathComponent("docs/man/inwardd.8.sections"), encoding: .utf8)
        let table = try #require(docs.range(of: "## Settings").map { String(docs[$0.upperBound...]) })
        // | `period`, `buffer` | `--period`, ... |: the backticked names of the first column.
        var keys: [String] = []
        for line in table.split(separator: "\n").prefix(while: { !$0.hasPrefix("## ") }) where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            keys += cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        #expect(keys.count >= 8, "found only \(keys) in docs/daemon.md's settings")
        let named = Set(page.split(separator: "\n").filter { $0.hasPrefix(".B ") || $0.hasPrefix(".BR ") }
            .flatMap { $0.split(separator: " ").dropFirst().map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\",")) } })
        for key in keys {
            #expect(named.contains(key), "inwardd(8) has no entry for the setting `\(key)` that docs/daemon.md documents")
        }
    }

    @Test("the completion scripts load: bash registers both commands; zsh and fish name their subcommands")
    func completions() throws {
        let root = try built.extracted()
        let bash = root.appendingPathComponent("usr/share/bash-completion/completions")
        for exe in ["inward", "inwardd"] {
            let file = bash.appendingPathComponent(exe).path
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(!text.hasPrefix("#!"), "a sourced bash completion should not start with #!")
            let r = try run("/bin/bash", ["-c", "source \"$1\" && complete -p \(exe)", "-", file])
            #expect(r.status == 0 && r.stdout.contains(" \(exe)"), "bash did not register a completion for \(exe): \(r)")
        }
        let zsh = try String(contentsOf: root.appendingPathComponent("usr/share/zsh/vendor-completions/_inward"), encoding: .utf8)
        #expect(zsh.hasPrefix("#compdef inward"), "\(zsh.prefix(80))")
        let fish = try String(contentsOf: root.appendingPathComponent("usr/share/fish/vendor_completions.d/inward.fish"), encoding: .utf8)
        for command in ["start", "dose", "status", "review"] {
            #expect(zsh.contains("'\(command):"), "zsh completion lacks \(command)")
            #expect(fish.contains("a '\(command)' -d"), "fish completion lacks \(command)")
        }
    }

    @Test("lintian: no error or warning but the debug build's RUNPATH")
    func lintian() throws {
        let lintian = "/usr/bin/lintian"
        try #require(FileManager.default.isExecutableFile(atPath: lintian),
                     "lintian is missing: scripts/install-deps installs it")
        let r = try run(lintian, ["--fail-on", "none", built.first.path], timeout: 300)
        try #require(r.status == 0, "lintian did not run: \(r)")
        let findings = r.stdout.split(separator: "\n").filter { $0.hasPrefix("E: ") || $0.hasPrefix("W: ") }
        // "E: inward: custom-library-search-path RUNPATH /opt/... [usr/bin/inward]"
        let allowed = built.linksSwiftRuntimeDynamically ? ["E: inward: custom-library-search-path "] : []
        let unexpected = findings.filter { line in !allowed.contains { line.hasPrefix($0) } }
        #expect(unexpected.isEmpty, "lintian:\n\(r.stdout)")
        if built.linksSwiftRuntimeDynamically {
            #expect(findings.count == 2, "expected the RUNPATH of the two debug binaries, and nothing else:\n\(r.stdout)")
        }
        print("lintian on \(built.first.lastPathComponent): \(findings.isEmpty ? "nothing" : findings.joined(separator: "; "))")
    }

    // MARK: - Installed under a real systemd

    @Test("dpkg -i, a paced session in room1, an upgrade mid-session that the session never notices, then purge")
    func installUpgradePurge() throws {
        let debs = "/var/cache/inward-package-test"
        let first = "\(debs)/\(built.first.lastPathComponent)", second = "\(debs)/\(built.second.lastPathComponent)"
        let s = try SystemdSandbox(pace: 20, install: false,
                                   files: [String(first.dropFirst()): built.first, String(second.dropFirst()): built.second])
        defer { s.shutdown() }
        // Container images forbid maintainer scripts to start or stop services with a policy-rc.d
        // that exits 101; a clinic's machine has none, and neither does this sandbox.
        _ = try s.exec(["rm", "-f", "/usr/sbin/policy-rc.d"])
        #expect(try s.exec(["getent", "passwd", "inwardd"]).status != 0, "the sandbox has a user inwardd before the install")

        // Install.
        let install = try s.exec(["dpkg", "-i", first], timeout: 120)
        try #require(install.status == 0, "dpkg -i: \(install)")
        #expect(install.stdout.contains("systemctl enable --now inwardd@ROOM.socket"), "no next steps after a first install: \(install)")
        let user = try s.exec(["id", "inwardd"]).stdout
        #expect(user.contains("gid=") && user.contains("(inward)") && user.contains("(audio)"), "user inwardd: \(user)")
        #expect(try s.exec(["getent", "group", "inward"]).status == 0)
        #expect(try s.exec(["getent", "group", "inward-observe"]).status == 0, "the install did not create group inward-observe")
        #expect(try s.exec(["test", "-x", "/usr/bin/inwardd"]).status == 0)
        // The md5sums match what was installed, and the conffile is known as one.
        let verify0 = try s.exec(["dpkg", "--verify", "inward"])
        #expect(verify0.status == 0 && verify0.stdout.isEmpty, "dpkg --verify: \(verify0)")
        let conffiles = try s.exec(["dpkg-query", "-W", "-f", "${Conffiles}", "inward"]).stdout
        #expect(conffiles.contains("/etc/inward/inwardd.toml "), "conffiles: \(conffiles)")

        let enable = try s.systemctl("enable", "--now", SystemdSandbox.socketUnit)
        try #require(enable.status == 0, "\(enable)\n\(s.journal(SystemdSandbox.socketUnit))")
        #expect(try s.exec(["test", "-L", "/etc/systemd/system/sockets.target.wants/\(SystemdSandbox.socketUnit)"]).status == 0)

        // A session of a shipped plan, paced (room1.toml: pace = 20), driven by the installed CLI.
        let start = try s.inward(["start", "im", "--client", "C-PKG-1"])
        try #require(start.status == 0, "inward start im: \(start)\n\(s.journal())")
        let id = try #require(start.stdout.split(separator: "\n").first { $0.hasPrefix("session ") }?
            .split(separator: " ").dropFirst().first.map(String.init), "no session id in: \(start.stdout)")
        #expect(try s.inward(["dose"]).status == 0)
        let before = try status(s)
        #expect(before["session_id"] as? String == id && before["state"] as? String == "playing", "\(before)")
        let pid = try s.mainPID()
        try #require(pid > 0)
        let restarts = try s.show(SystemdSandbox.service, ["NRestarts"])["NRestarts"]

        // Upgrade to the same binaries repacked as a higher version, in the middle of the session.
        #expect(try run("/usr/bin/dpkg", ["--compare-versions", built.secondVersion, "gt", built.firstVersion]).status == 0)
        let upgrade = try s.exec(["dpkg", "-i", second], timeout: 120)
        try #require(upgrade.status == 0, "dpkg -i (upgrade): \(upgrade)")
        #expect(upgrade.stdout.contains("these rooms still run version \(built.firstVersion) until restarted: \(SystemdSandbox.service)"),
                "\(upgrade)")
        #expect(try s.exec(["dpkg-query", "-W", "-f", "${Version}", "inward"]).stdout == built.secondVersion)

        // Not interrupted: the same process, never restarted, still running the binary it started with
        // (now replaced on disk), the same session playing on with its clock moving.
        #expect(try s.mainPID() == pid, "the daemon was restarted by the upgrade\n\(s.journal())")
        let after = try s.show(SystemdSandbox.service, ["NRestarts", "ActiveState"])
        #expect(after["NRestarts"] == restarts && after["ActiveState"] == "active", "\(after)")
        let exe = try s.exec(["readlink", "/proc/\(pid)/exe"]).stdout
        #expect(exe.hasPrefix("/usr/bin/inwardd") && exe.contains("(deleted)"), "the daemon's executable: \(exe)")
        let moved = try s.wait(20) {
            let now = try status(s)
            return now["session_id"] as? String == id && now["state"] as? String == "playing"
                && (now["session_seconds"] as? Double ?? 0) > (before["session_seconds"] as? Double ?? .infinity) + 5
        }
        #expect(moved, "the session did not play on after the upgrade: \(String(describing: try? status(s)))\n\(s.journal())")
        let log = "/var/lib/inward/\(Self.room)/sessions/\(id).jsonl"
        let midway = try s.exec(["cat", log]).stdout
        #expect(!midway.contains("\"session.resume\"") && !midway.contains("\"session.end\""),
                "the log shows the session was ended or resumed during the upgrade")

        // The session ends as usual and its log verifies with the new CLI.
        #expect(try s.inward(["stop"]).status == 0)
        // A dose was marked: the record stays open in aftercare until discharged (early: the plan asks for hours).
        let aftercare = try s.wait(20) { try s.inward(["status"]).stdout.contains("aftercare") }
        #expect(aftercare, "\(s.journal())")
        #expect(try s.inward(["discharge", "--early", "--reason", "end of the test"]).status == 0)
        let ended = try s.wait(20) { try s.exec(["tail", "-n", "1", log]).stdout.contains("\"session.end\"") }
        #expect(ended, "\(s.journal())")
        let verify = try s.exec(["/usr/bin/inward", "verify", log])
        #expect(verify.status == 0, "inward verify: \(verify)")

        // Purge: the rooms stop, the package's files and the configuration go; the session logs
        // (clinical records) stay, with the user and group that own them.
        let purge = try s.exec(["dpkg", "--purge", "inward"], timeout: 120)
        try #require(purge.status == 0, "dpkg --purge: \(purge)")
        #expect(purge.stdout.contains("kept the session logs in /var/lib/inward"), "\(purge)")
        #expect(try s.exec(["dpkg-query", "-W", "inward"]).status != 0, "dpkg still knows inward")
        for gone in ["/usr/bin/inward", "/usr/bin/inwardd", "/usr/lib/systemd/system/inwardd@.service",
                     "/usr/lib/sysusers.d/inward.conf", "/usr/share/man/man1/inward.1.gz", "/usr/share/inward", "/etc/inward",
                     "/etc/systemd/system/sockets.target.wants/\(SystemdSandbox.socketUnit)",
                     "/var/lib/inward/\(Self.room)/state.json", SystemdSandbox.socket] {
            let exists = try s.exec(["test", "-e", gone]).status == 0
            let link = try s.exec(["test", "-L", gone]).status == 0
            #expect(!exists && !link, "\(gone) is still there after purge")
        }
        for unit in [SystemdSandbox.service, SystemdSandbox.socketUnit] {
            #expect(try s.show(unit, ["ActiveState"])["ActiveState"] != "active", "\(unit) still runs after purge")
        }
        #expect(try s.exec(["test", "-f", log]).status == 0, "purge removed the session log")
        #expect(try s.exec(["getent", "passwd", "inwardd"]).status == 0, "purge removed the user owning the kept logs")
        #expect(try s.exec(["getent", "group", "inward"]).status == 0)
        // The observers' group owns no file: purge removes it whatever the logs.
        #expect(try s.exec(["getent", "group", "inward-observe"]).status != 0, "purge kept the group inward-observe")

        // Once the logs are archived (here: removed), a purge takes the user and group too.
        #expect(try s.exec(["rm", "-r", "/var/lib/inward"]).status == 0)
        let again = try s.exec(["dpkg", "-i", second], timeout: 120)
        try #require(again.status == 0, "dpkg -i after the purge: \(again)")
        let last = try s.exec(["dpkg", "--purge", "inward"], timeout: 120)
        try #require(last.status == 0, "\(last)")
        #expect(try s.exec(["getent", "passwd", "inwardd"]).status != 0, "user inwardd outlived a purge with no logs left")
        #expect(try s.exec(["getent", "group", "inward"]).status != 0, "group inward outlived a purge with no logs left")
        #expect(try s.exec(["test", "-e", "/var/lib/inward"]).status != 0)
    }

    // MARK: - Helpers

    /// `inward --json status` in the sandbox, the status object.
    func status(_ s: SystemdSandbox) throws -> [String: Any] {
        let out = try s.inward(["--json", "status"]).stdout
        let reply = (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]) ?? [:]
        return reply["status"] as? [String: Any] ?? reply
    }

    func run(_ executable: String, _ arguments: [String], environment: [String: String?] = [:],
             timeout: Double = 60) throws -> ProcessRun {
        try ProcessRun.run(executable, arguments, environment: environment, timeout: timeout)
    }

    static func fields(_ control: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in control.split(separator: "\n") where !line.hasPrefix(" ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}

/// Two packages of this test run's binaries, built once for the suite by
/// `scripts/package --from-build`: the changelog's version, and the same
/// binaries repacked as a higher version (the upgrade).
final class BuiltPackages: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let directory: URL
    let first: URL
    let second: URL
    let firstVersion: String
    let secondVersion: String
    /// The binaries load the Swift runtime from the toolchain (a debug build).
    let linksSwiftRuntimeDynamically: Bool

    init() throws {
        let bin = URL(fileURLWithPath: try Products.executable("inwardd")).deletingLastPathComponent()
        guard FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("inward").path) else {
            throw Failure(description: "inward is not beside inwardd in \(bin.path): build both (swift build --build-tests)")
        }
        let readelf = try ProcessRun.run("/usr/bin/readelf", ["-d", bin.appendingPathComponent("inwardd").path])
        linksSwiftRuntimeDynamically = readelf.stdout.contains("libswiftCore")
        directory = TestAudio.temporaryDirectory("inward-package")
        let script = Products.packageRoot.appendingPathComponent("scripts/package").path

        let started = Date()
        let one = try ProcessRun.run(script, ["--from-build", bin.path, "--out", directory.path], timeout: 600)
        guard one.status == 0, let path = one.stdout.split(separator: "\n").last.map(String.init), path.hasSuffix(".deb") else {
            throw Failure(description: "scripts/package failed: \(one)")
        }
        let seconds = Date().timeIntervalSince(started)
        first = URL(fileURLWithPath: path)
        // inward_VERSION_ARCH.deb
        let name = first.deletingPathExtension().lastPathComponent.split(separator: "_")
        guard name.count == 3 else { throw Failure(description: "scripts/package wrote \(path), not inward_VERSION_ARCH.deb") }
        firstVersion = String(name[1])
        secondVersion = firstVersion + "+repack1"
        let two = try ProcessRun.run(script, ["--from-build", bin.path, "--version", secondVersion, "--out", directory.path],
                                     timeout: 600)
        guard two.status == 0, let path2 = two.stdout.split(separator: "\n").last.map(String.init) else {
            throw Failure(description: "scripts/package --version \(secondVersion) failed: \(two)")
        }
        second = URL(fileURLWithPath: path2)
        print("scripts/package --from-build (test binaries): \(String(format: "%.1f", seconds)) s, "
              + "\((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).flatMap { $0 }.map { "\($0 / 1024) KiB" } ?? "?")")
    }

    /// The first package unpacked (dpkg-deb -x), once.
    func extracted() throws -> URL {
        let root = directory.appendingPathComponent("extracted")
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("usr/bin/inward").path) { return root }
        let r = try ProcessRun.run("/usr/bin/dpkg-deb", ["-x", first.path, root.path])
        guard r.status == 0 else { throw Failure(description: "dpkg-deb -x: \(r)") }
        return root
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The suite's packages, or why they could not be built.
    @TaskLocal static var current: Result<BuiltPackages, any Error>?

    static func shared() throws -> BuiltPackages {
        guard let current else { throw Failure(description: "no packages: the suite needs the .debianPackages trait") }
        return try current.get()
    }
}

/// Builds the packages once for a suite and removes them when it ends.
struct DebianPackagesTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let built: Result<BuiltPackages, any Error> = Result { try BuiltPackages() }
        defer { if case .success(let b) = built { b.remove() } }
        try await BuiltPackages.$current.withValue(built) {
            try await function()
        }
    }
}

extension Trait where Self == DebianPackagesTrait {
    static var debianPackages: Self { DebianPackagesTrait() }
}
