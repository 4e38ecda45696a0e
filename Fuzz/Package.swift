// swift-tools-version:6.0
// libFuzzer binaries for Inward's parsers, built apart from the main package:
// scripts/fuzz builds this with -sanitize=fuzzer,address. See docs/fuzzing.md.
import PackageDescription

let targets = ["json", "varlink-framer", "varlink-call", "plan", "playlist", "log"]
/// SwiftPM names a path dependency after its folder, whatever the clone is called.
let inward = Context.packageDirectory.split(separator: "/").dropLast().last.map { $0.lowercased() } ?? "inward"

let package = Package(
    name: "InwardFuzz",
    dependencies: [.package(path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "InwardFuzzChecks", package: inward)],
            path: "Targets/\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)
