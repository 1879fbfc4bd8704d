// swift-tools-version:6.0
import PackageDescription

let strictC: [CSetting] = [
    .define("_GNU_SOURCE"),
    .unsafeFlags(["-Wall", "-Wextra", "-Werror"]),
]

let package = Package(
    name: "nstrace",
    products: [
        .executable(name: "nstrace", targets: ["nstrace"]),
        .executable(name: "nstrace-init", targets: ["nstrace-init"]),
        .executable(name: "nstrace-serve", targets: ["nstrace-serve"]),
    ],
    targets: [
        // MARK: System libraries (Debian packages, found by pkg-config)
        .systemLibrary(name: "CJSONC", pkgConfig: "json-c", providers: [.apt(["libjson-c-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),

        // MARK: The constructor: runc-compatible nsexec with json-c trace events.
        // Only the `nstrace-init` executable links it, so it never runs inside `swift test`.
        .target(name: "CNSTraceInit", dependencies: ["CJSONC"], cSettings: strictC),
        // tools/build compiles the release nstrace-init with cc from these same sources, so that
        // it loads only libc and json-c before the constructor runs.
        .executableTarget(name: "nstrace-init", dependencies: ["CNSTraceInit"], cSettings: strictC),

        // MARK: C helpers for the Swift side (no constructor here)
        .target(name: "CNSTraceSys", cSettings: strictC),
        .target(
            name: "CSimdJSONShim",
            cxxSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror", "-O2"])],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),

        // MARK: Swift libraries (no Foundation: `nstrace run` must start fast)
        .target(name: "NSTraceCore", dependencies: ["CNSTraceSys"]),
        .target(name: "NSTraceCollector", dependencies: ["NSTraceCore", "CSimdJSONShim"]),
        .target(name: "NSTraceMetrics", dependencies: ["NSTraceCollector"]),
        .target(name: "NSTraceCLI", dependencies: ["NSTraceCore", "NSTraceCollector", "NSTraceMetrics"]),
        .executableTarget(name: "nstrace", dependencies: ["NSTraceCLI"]),
        // `nstrace serve` execs this: only it loads libmicrohttpd and its TLS dependencies.
        .target(name: "NSTraceServe", dependencies: ["NSTraceMetrics", "NSTraceCLI", "CMicroHTTPD"]),
        .executableTarget(name: "nstrace-serve", dependencies: ["NSTraceServe"]),

        // MARK: Tests (run as root; they create real namespaces through the built binaries)
        .target(name: "NSTraceTestSupport", path: "Tests/NSTraceTestSupport"),
        .testTarget(name: "NSTraceCoreTests", dependencies: ["NSTraceCore", "NSTraceTestSupport"]),
        .testTarget(
            name: "NSTraceCollectorTests", dependencies: ["NSTraceCollector", "NSTraceTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "NSTraceMetricsTests", dependencies: ["NSTraceMetrics", "NSTraceServe", "NSTraceTestSupport"]),
        .testTarget(name: "NSTraceCLITests", dependencies: ["NSTraceCore", "NSTraceTestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cLanguageStandard: .gnu17,
    cxxLanguageStandard: .cxx17
)
