// swift-tools-version:6.0
import PackageDescription

/// Cairn: a photo-tagging daemon (`cairnd`) and its CLI (`cairn`).
///
/// Layers point one way: C shims (`C…`) ← leaf modules (EXIF, imaging, places, inference, catalog,
/// configuration, recognizer contract) ← daemon services ← executables. See docs/ARCHITECTURE.md.
let package = Package(
    name: "Cairn",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cairnd", targets: ["cairnd"]),
        .executable(name: "cairn", targets: ["cairn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries, each through one small target with an apt provider.
        .systemLibrary(
            name: "CExif",
            path: "Sources/CExif",
            pkgConfig: "libexif",
            providers: [.apt(["libexif-dev"])]
        ),
        .target(
            name: "CJPEG",
            path: "Sources/CJPEG",
            // Optimised in debug builds too: the 1/8 decoder (eighth.c) is the pipeline's hot loop, and tests
            // compare it with libjpeg on every shared photo.
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("jpeg")]
        ),
        // Resampling loops in C: the compiler vectorises them (the same loops in Swift took 3 ms per photo).
        // Optimised in debug builds too; no fused multiply-add, so results are the same on every machine.
        .target(
            name: "CResample",
            path: "Sources/CResample",
            cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]
        ),
        // PNG (libspng), WebP (libwebp), TIFF (libtiff), JPEG XL (libjxl) and camera raw previews (LibRaw's
        // thread-safe build): one C file, so each library's callbacks, limits and error handlers stay in C.
        .target(
            name: "CFormats",
            path: "Sources/CFormats",
            linkerSettings: [
                .linkedLibrary("spng"), .linkedLibrary("webp"), .linkedLibrary("tiff"), .linkedLibrary("jxl"),
                .linkedLibrary("raw_r"),
            ]
        ),
        .systemLibrary(
            name: "CHeif",
            path: "Sources/CHeif",
            pkgConfig: "libheif",
            providers: [.apt(["libheif-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The backbone's convolution kernels in C, compiled per instruction set (SSE2, AVX2, AVX-512) and chosen at
        // run time: Swift cannot target one function at AVX-512 without making the whole binary require it.
        // Optimised in debug builds too: the tests run the network on real photos.
        .target(
            name: "CKernels",
            path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        // XMP sidecars through libxml2's tree (merge, never overwrite): one C file, as for the other libraries.
        .target(
            name: "CXMP",
            path: "Sources/CXMP",
            cSettings: [.unsafeFlags(["-I/usr/include/libxml2"])],
            linkerSettings: [.linkedLibrary("xml2")]
        ),
        .systemLibrary(
            name: "CGeonames",
            path: "Sources/CGeonames",
            pkgConfig: "geonames",
            providers: [.apt(["libgeonames-dev"])]
        ),

        // MARK: Leaf modules.
        .target(name: "CairnEXIF", dependencies: ["CExif"]),
        .target(
            name: "CairnImaging", dependencies: ["CJPEG", "CHeif", "CFormats", "CResample"],
            // Resizing is per-pixel Swift: optimised in debug builds too, so tests over real photos stay quick.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "CairnPlaces", dependencies: ["CGeonames"]),
        // XMP sidecars: what Cairn writes, merged into a photo's sidecar beside it or in a tree of Cairn's own.
        .target(name: "CairnSidecars", dependencies: ["CXMP"]),
        .target(
            name: "CairnInference", dependencies: ["COpenBLAS", "CKernels"],
            // The kernels index raw buffers whose bounds the callers check once; per-element overflow checks
            // only slow the inner loops. Optimised in debug builds too: the tests run the network on real photos.
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(
            name: "CairnCatalog", dependencies: ["CairnPhotoNames", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "CairnConfig", dependencies: ["CairnRecognition", "Yams"]),
        .target(name: "CairnRecognition"),
        // Which file names are photos: for the folder walks and the inotify watcher.
        .target(name: "CairnPhotoNames"),
        // External recognizer plugins: programs speaking JSON lines, supervised (docs/PLUGINS.md).
        .target(
            name: "CairnPluginHost",
            dependencies: ["CairnRecognition", .product(name: "Logging", package: "swift-log")]),

        // MARK: Built-in recognizer plugins: each depends on the contract only.
        .target(
            name: "SceneTagger", dependencies: ["CairnRecognition"], path: "Plugins/SceneTagger",
            exclude: ["imagenet_classes.txt"]),
        .target(name: "Landmarks", dependencies: ["CairnRecognition", "CairnInference"], path: "Plugins/Landmarks"),
        .target(
            name: "Embeddings", dependencies: ["CairnRecognition", "CairnInference"], path: "Plugins/Embeddings"),

        .target(
            name: "CairnIndexing",
            dependencies: [
                "CairnCatalog", "CairnConfig", "CairnEXIF", "CairnImaging", "CairnInference", "CairnPlaces",
                "CairnPhotoNames", "CairnRecognition", "CairnPluginHost", "CairnSidecars",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: The registry of built-in recognizers, for the executables (the composition root): no library
        // depends on a plugin.
        .target(
            name: "CairnRecognizers",
            dependencies: [
                "CairnConfig", "CairnIndexing", "CairnRecognition", "SceneTagger", "Landmarks", "Embeddings",
            ]),

        // MARK: Building and evaluating landmark packs (`cairn landmarks …`).
        .target(
            name: "CairnLandmarkBuilder",
            dependencies: [
                "Landmarks", "CairnEXIF", "CairnImaging", "CairnIndexing", "CairnInference", "CairnRecognition",
            ]
        ),

        // MARK: Discovering the library's own landmarks from the stored embeddings (`cairn landmarks discover`).
        .target(
            name: "CairnDiscovery",
            dependencies: ["CairnCatalog", "CairnConfig", "CairnInference", "CairnLandmarkBuilder", "Landmarks"]),

        // MARK: What an executable does first (the BLAS kernels' re-exec); for executables only.
        .target(name: "CairnStartup", dependencies: ["CairnInference"]),

        // MARK: The daemon's services and the executables.
        .target(
            name: "CairnDaemon",
            dependencies: [
                "CairnCatalog", "CairnConfig", "CairnDiscovery", "CairnIndexing", "CairnInference",
                "CairnLandmarkBuilder", "CairnPhotoNames", "CairnSidecars",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "cairnd",
            dependencies: [
                "CairnDaemon", "CairnConfig", "CairnCatalog", "CairnIndexing", "CairnInference", "CairnPlaces",
                "CairnImaging", "CairnRecognition", "CairnRecognizers", "CairnStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "cairn",
            dependencies: [
                "CairnCatalog", "CairnConfig", "CairnDiscovery", "CairnIndexing", "CairnInference", "CairnPlaces",
                "CairnLandmarkBuilder",
                "Landmarks", "CairnRecognition", "CairnRecognizers", "CairnSidecars", "CairnStartup",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "cairn-bench",
            dependencies: [
                "CairnCatalog", "CairnDiscovery", "CairnEXIF", "CairnImaging", "CairnIndexing", "CairnInference",
                "COpenBLAS", "Landmarks", "Embeddings",
                "CairnLandmarkBuilder", "CairnRecognition", "CairnRecognizers", "CairnStartup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests.
        .target(
            name: "CairnTesting",
            dependencies: ["CairnCatalog", "CairnConfig", "CairnPlaces"],
            path: "Tests/CairnTesting"
        ),
        .testTarget(
            name: "CairnConfigTests",
            dependencies: ["CairnConfig", "CairnRecognition", "CairnRecognizers", "CairnTesting"]),
        .testTarget(name: "CairnCatalogTests", dependencies: ["CairnCatalog", "CairnTesting"]),
        .testTarget(name: "SceneTaggerTests", dependencies: ["SceneTagger", "CairnRecognition"]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "CairnInference", "CairnRecognition"]),
        .testTarget(
            name: "LandmarksTests",
            dependencies: ["Landmarks", "CairnLandmarkBuilder", "CairnInference", "CairnTesting"]),
        .testTarget(name: "CairnDiscoveryTests", dependencies: ["CairnDiscovery", "CairnCatalog"]),
        .testTarget(
            name: "CairnPluginHostTests",
            dependencies: [
                "CairnPluginHost", "CairnRecognition", "CairnTesting", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CairnLeafTests",
            dependencies: [
                "CairnEXIF", "CairnImaging", "CairnPlaces", "CairnInference", "CairnSidecars", "CairnTesting",
            ]
        ),
        .testTarget(
            name: "CairnIndexingTests",
            dependencies: [
                "CairnIndexing", "CairnCatalog", "CairnConfig", "CairnPlaces", "CairnRecognition", "CairnTesting",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CairnEndToEndTests",
            dependencies: ["CairnCatalog", "CairnTesting"]
        ),
    ]
)
