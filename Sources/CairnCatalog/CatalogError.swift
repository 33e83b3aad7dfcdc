/// Why the catalog could not be opened or used.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// No catalog file at the given path.
        public static let missing = Code(name: "missing")
        /// The file was written by a newer Cairn whose migrations this build does not know.
        public static let newerSchema = Code(name: "newerSchema")
        /// The catalog predates this build and must be upgraded by starting `cairnd` once.
        public static let olderSchema = Code(name: "olderSchema")
        /// The file is not a SQLite database, or not a Cairn catalog.
        public static let notACatalog = Code(name: "notACatalog")
        /// This user may not read the file or a folder above it.
        public static let notAllowed = Code(name: "notAllowed")
        /// SQLite reported an error.
        public static let database = Code(name: "database")
        public static let notFound = Code(name: "notFound")
        public var description: String { name }
    }

    public var code: Code
    public var path: String
    public var message: String
    public var cause: (any Error & Sendable)?

    public var description: String { "\(path): \(message)" }

    static func missing(_ path: String) -> Self {
        Self(
            code: .missing, path: path,
            message: "no catalog here; start cairnd (or pass --catalog FILE) to create one")
    }

    static func notAllowed(_ path: String) -> Self {
        Self(code: .notAllowed, path: path, message: "permission denied: this user may not read it or its folder")
    }

    static func newerSchema(_ path: String, unknown: [String]) -> Self {
        Self(
            code: .newerSchema, path: path,
            message: "written by a newer Cairn (unknown migrations: \(unknown.joined(separator: ", "))); upgrade Cairn")
    }

    static func olderSchema(_ path: String) -> Self {
        Self(
            code: .olderSchema, path: path,
            message: "written by an older Cairn; start cairnd once to upgrade it")
    }

    static func notACatalog(_ path: String, cause: (any Error & Sendable)? = nil) -> Self {
        Self(code: .notACatalog, path: path, message: "not a Cairn catalog", cause: cause)
    }

    static func database(_ path: String, _ cause: any Error & Sendable) -> Self {
        Self(code: .database, path: path, message: "\(cause)", cause: cause)
    }
}
