// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Inward",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "inward", targets: ["inward"]),
        .executable(name: "inwardd", targets: ["inwardd"]),
        .library(name: "InwardCore", targets: ["InwardCore"]),
        .library(name: "InwardAudio", targets: ["InwardAudio"]),
        // Test-only: an LD_PRELOAD library that slows fsync/fdatasync (a slow disk).
        .library(name: "InwardFaultInjection", type: .dynamic, targets: ["CFaultInjection"]),
        // For the fuzzing package (Fuzz/Package.swift), built apart: scripts/fuzz.
        .library(name: "InwardFuzzChecks", targets: ["InwardFuzzChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C libraries of the field, module maps only.
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),

        // Pure model and logic: no I/O, no clock.
        .target(
            name: "InwardCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // Decoding, resampling, sources, mixing, sinks and the render loop.
        .target(
            name: "InwardAudio",
            dependencies: [
                "InwardCore", "InwardProtocol", "CAlsa", "CSndfile", "CSoxr", "CEbur128",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Checked (-O), not -Ounchecked: scripts/bench renders as fast without it
            // (docs/architecture.md, "Release builds are checked").
            swiftSettings: strict
        ),
        // The session log's line format and hash chain, shared by its writer and readers.
        .target(name: "InwardLog", dependencies: ["InwardProtocol", "CCrypto"], swiftSettings: strict),
        // Varlink framing, messages, JSON and the io.inward.Session interface: pure, no I/O.
        .target(name: "InwardProtocol", dependencies: [], swiftSettings: strict),
        // The review side: timeline reconstruction and the text/HTML/CSV/JSON reports.
        .target(name: "InwardReview", dependencies: ["InwardLog", "InwardProtocol", "InwardCore"], swiftSettings: strict),
        // The one POSIX layer: system calls retried on EINTR with typed errors, Unix
        // socket addresses, the monotonic clock. Glibc only, no Foundation.
        .target(name: "InwardPOSIX", dependencies: [], swiftSettings: strict),
        // The service: session runtime (threads), control server, event log, systemd glue.
        .target(
            name: "InwardDaemon",
            dependencies: [
                "InwardCore", "InwardAudio", "InwardProtocol", "InwardLog", "InwardPOSIX", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            // Checked (-O), not -Ounchecked: the socket server and the parsers' callers
            // keep their preconditions in release, at no cost scripts/bench-daemon
            // can see (docs/architecture.md, "Release builds are checked").
            swiftSettings: strict
        ),
        .executableTarget(
            name: "inward",
            dependencies: [
                "InwardCore", "InwardAudio", "InwardProtocol", "InwardReview", "InwardLog", "InwardPOSIX", "CSystemd", "CNcurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "inwardd",
            dependencies: [
                "InwardDaemon", "InwardCore", "InwardAudio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "inward-bench",
            dependencies: ["InwardCore", "InwardAudio", "InwardDaemon", "InwardProtocol", "CSndfile"],
            path: "Benchmarks/inward-bench",
            swiftSettings: strict
        ),

        .testTarget(name: "InwardCoreTests", dependencies: ["InwardCore"]),
        .target(name: "CFaultInjection", path: "Tests/FaultInjection", linkerSettings: [.linkedLibrary("dl")]),
        // Test helpers shared by the test targets: test audio files, WAV reading and
        // measurement, ALSA capture devices. Imported with @testable.
        .target(name: "InwardTestSupport", dependencies: ["InwardAudio", "InwardProtocol", "InwardLog", "InwardPOSIX", "CSndfile"],
                path: "Tests/InwardTestSupport"),
        .testTarget(name: "InwardAudioTests", dependencies: ["InwardAudio", "InwardCore", "CSndfile", "CEbur128", "InwardTestSupport",
                                                     .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "InwardProtocolTests", dependencies: ["InwardProtocol"]),
        .testTarget(name: "InwardLogTests", dependencies: ["InwardLog", "InwardProtocol", "InwardTestSupport"]),
        .testTarget(name: "InwardReviewTests", dependencies: ["InwardReview", "InwardLog", "InwardProtocol", "InwardTestSupport"]),
        .testTarget(name: "InwardCLITests", dependencies: ["InwardAudio", "InwardCore", "InwardPOSIX", "CSndfile", "InwardTestSupport"]),
        // The daemon for real: inwardd and inward as processes, ALSA capture, sockets.
        .testTarget(name: "InwardSystemTests", dependencies: ["InwardTestSupport", "InwardProtocol", "InwardCore", "InwardPOSIX"]),
        .testTarget(name: "InwardDaemonTests", dependencies: ["InwardDaemon", "InwardProtocol", "InwardPOSIX", "InwardTestSupport"]),
        .testTarget(name: "InwardPOSIXTests", dependencies: ["InwardPOSIX"]),
        // The parsers' fuzzing properties, shared by the fuzz binaries and the replay of their corpora.
        .target(name: "InwardFuzzChecks", dependencies: ["InwardProtocol", "InwardCore", "InwardLog"],
                path: "Fuzz/Checks", swiftSettings: strict),
        .testTarget(name: "InwardFuzzChecksTests", dependencies: ["InwardFuzzChecks"]),
    ],
    swiftLanguageModes: [.v6]
)
