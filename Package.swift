// swift-tools-version: 6.1
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "nextidfs",
    products: [
        .executable(name: "nextidfs", targets: ["nextidfs"]),
        .executable(name: "nextidfs-conform", targets: ["nextidfs-conform"]),
        .executable(name: "nextidfs-image", targets: ["nextidfs-image"]),
        .library(name: "IdAllocators", targets: ["IdAllocators"]),
        .library(name: "NextIdFS", targets: ["NextIdFS"]),
        .library(name: "Restore", targets: ["Restore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // libfuse3 (Debian: libfuse3-dev) and a shim header for what Swift cannot import.
        .systemLibrary(
            name: "CFuse",
            pkgConfig: "fuse3",
            providers: [.apt(["libfuse3-dev"])]
        ),
        // FUSE over io_uring through libfuse's custom I/O hooks (Debian: liburing-dev).
        .target(name: "CFuseRing", dependencies: ["CFuse"], linkerSettings: [.linkedLibrary("uring")]),
        // The simulated kernel: pure Swift, no I/O, no FUSE.
        .target(name: "IdAllocators", swiftSettings: strict),
        // The tree, file formats, parsers and the libfuse glue.
        .target(
            name: "NextIdFS",
            dependencies: ["IdAllocators", "CFuse", "CFuseRing", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // The daemon.
        .executableTarget(
            name: "nextidfs",
            dependencies: [
                "NextIdFS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // Dump and restore: the image, the restore planner, the program it writes, and running it
        // in process.
        .target(name: "Restore", dependencies: ["IdAllocators", "NextIdFS"], swiftSettings: strict),
        // dump, plan, explain: the Swift side of scripts/dump.sh and scripts/restore.sh.
        .executableTarget(
            name: "nextidfs-image",
            dependencies: [
                "Restore", "NextIdFS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // Operation scripts: run on the simulation, generate, compare with tools/kernelrun.
        .executableTarget(
            name: "nextidfs-conform",
            dependencies: [
                "NextIdFS", "IdAllocators", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IdAllocatorsTests",
            dependencies: ["IdAllocators", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RestoreTests",
            dependencies: ["Restore", "IdAllocators", "NextIdFS", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NextIdFSTests",
            dependencies: ["NextIdFS", "IdAllocators", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
    ]
)

// Benchmarks (ordo-one/benchmark) only when asked for, so that plain builds and CI stay fast:
// NEXTIDFS_BENCHMARKS=1 swift package benchmark (scripts/bench.sh does this).
if ProcessInfo.processInfo.environment["NEXTIDFS_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "AllocatorBenchmarks",
            dependencies: ["IdAllocators", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/AllocatorBenchmarks",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]))
}

// The libFuzzer target only when asked for, so that plain builds and CI's build stay as they
// are: NEXTIDFS_FUZZ=1 swift build --sanitize=fuzzer (scripts/fuzz.sh does this).
if ProcessInfo.processInfo.environment["NEXTIDFS_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "NextIdFuzz",
            dependencies: ["NextIdFS", "IdAllocators"],
            path: "Fuzz/NextIdFuzz",
            // No main: libFuzzer's calls LLVMFuzzerTestOneInput.
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]))
}
