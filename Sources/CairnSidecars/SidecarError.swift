/// Why a sidecar was not written, moved or removed. The photo and the catalog are never affected.
public struct SidecarError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The existing sidecar is not XMP Cairn can read: it is left alone.
        case unparsable
        /// The folder cannot be written (read-only, permissions).
        case notWritable
        /// Another program changed the sidecar while Cairn was merging into it; tried again later.
        case changedWhileWriting
        /// Any other failure reading or writing the file.
        case io
    }

    public var code: Code
    public var path: String
    public var reason: String

    public init(_ code: Code, path: String = "", reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}
