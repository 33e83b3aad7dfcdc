import Foundation

/// Where tests find the repository, the shared photo data and the built executables.
public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/data` beside the repository: real photos, never copied into the repo.
    public static var sharedData: URL {
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    /// A file under `../shared/data`.
    public static func data(_ relativePath: String) -> URL {
        sharedData.appendingPathComponent(relativePath)
    }

    /// The folder of the running test binary, which is also where SwiftPM puts `cairn` and `cairnd`.
    public static var productsDirectory: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On Linux the test binary is inside `<Package>PackageTests.xctest` only on some layouts.
        if url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        return url
    }

    /// A built executable of this package, such as `cairn`.
    public static func executable(_ name: String) -> URL {
        productsDirectory.appendingPathComponent(name)
    }
}
