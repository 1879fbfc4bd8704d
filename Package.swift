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
        .executable(name: "nstrace-collector", targets: ["nstrace-collector"]),
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
        // `nstrace` is `run` plus the verb table, linked statically: a static executable reaches
        // main in 0.8 ms here, a dynamic one with the Swift runtime's C++ dependencies in 2 ms.
        .target(name: "NSTraceCLI", dependencies: ["NSTraceCore"]),
        .executableTarget(
            name: "nstrace", dependencies: ["NSTraceCLI"],
            // lld: gold warns that the Swift runtime references dlopen, which nstrace never
            // reaches; lld links the same program without the noise.
            linkerSettings: [.unsafeFlags(["-static-executable", "-use-ld=lld"])]),
        // The verbs that read traces (summary, timeline, metrics, serve): simdjson and
        // libmicrohttpd exist only as shared libraries, so `nstrace` execs this for them.
        .target(name: "NSTraceCollectorCLI", dependencies: ["NSTraceMetrics", "NSTraceCLI", "CMicroHTTPD"]),
        .executableTarget(name: "nstrace-collector", dependencies: ["NSTraceCollectorCLI"]),

        // MARK: Tests (run as root; they create real namespaces through the built binaries)
        .target(name: "NSTraceTestSupport", path: "Tests/NSTraceTestSupport"),
        .testTarget(name: "NSTraceCoreTests", dependencies: ["NSTraceCore", "NSTraceTestSupport"]),
        .testTarget(
            name: "NSTraceCollectorTests", dependencies: ["NSTraceCollector", "NSTraceTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "NSTraceMetricsTests", dependencies: ["NSTraceMetrics", "NSTraceCollectorCLI", "NSTraceTestSupport"]),
        .testTarget(name: "NSTraceCLITests", dependencies: ["NSTraceCore", "NSTraceTestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cLanguageStandard: .gnu17,
    cxxLanguageStandard: .cxx17
)
