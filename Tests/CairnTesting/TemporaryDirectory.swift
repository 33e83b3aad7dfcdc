import Foundation

/// A fresh folder under the system temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "cairn-test") {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        url = base.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Copies `source` to `name` inside the folder (creating subfolders), returning the new path.
    @discardableResult
    public func copy(_ source: URL, to name: String) throws -> String {
        let destination = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: destination)
        return destination.path
    }

    /// Writes `bytes` to `name` inside the folder, returning the path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String {
        let destination = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: destination)
        return destination.path
    }
}
