import Foundation
import GRDB
import GRDBSQLite

/// The SQLite catalog: photos, their facts, places, tags and recognition state, and the album views over them.
///
/// Writers (the daemon, `cairn index`) open it with `openForWriting`, which creates the file, switches it to WAL
/// and runs migrations; browsing commands open it with `openReadOnly`, so both can run at the same time.
public final class Catalog: Sendable {
    /// The file this catalog lives in (":memory:" for a test catalog).
    public let path: String
    let database: any DatabaseWriter

    /// The migrations this build knows, oldest first.
    public static var knownMigrations: [String] { CatalogSchema.migrator.migrations }

    private init(path: String, database: any DatabaseWriter) {
        self.path = path
        self.database = database
    }

    /// Opens (creating if needed) and upgrades the catalog at `path` for writing.
    public static func openForWriting(path: String) throws(CatalogError) -> Catalog {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CatalogError(
                code: .database, path: path, message: "cannot create its folder: \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        // Keep the -wal and -shm files when the last connection closes: a reader that may not create files in the
        // catalog's folder (a member of the group cairn, under systemd) can then open it while cairnd is stopped.
        configuration.prepareDatabase { db in
            var persist: Int32 = 1
            _ = sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &persist)
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw classify(error, path: path)
        }
        try migrate(pool, path: path)
        return Catalog(path: path, database: pool)
    }

    /// Opens an existing catalog for reading only. Fails with `.missing`, `.newerSchema`, `.olderSchema`
    /// or `.notACatalog` when it cannot be browsed.
    public static func openReadOnly(path: String) throws(CatalogError) -> Catalog {
        // A folder this user may not search hides the file: say so, rather than that there is no catalog.
        if access(path, F_OK) != 0 {
            throw errno == EACCES ? CatalogError.notAllowed(path) : CatalogError.missing(path)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in
                let migrator = CatalogSchema.migrator
                guard try db.tableExists("grdb_migrations") else { throw CatalogError.notACatalog(path) }
                let applied = try migrator.appliedIdentifiers(db)
                let unknown = applied.subtracting(migrator.migrations)
                if !unknown.isEmpty { throw CatalogError.newerSchema(path, unknown: unknown.sorted()) }
                if !(try migrator.hasCompletedMigrations(db)) { throw CatalogError.olderSchema(path) }
            }
        } catch let error as CatalogError {
            throw error
        } catch {
            throw classify(error, path: path)
        }
        return Catalog(path: path, database: queue)
    }

    /// A migrated in-memory catalog, for tests.
    public static func inMemory() throws(CatalogError) -> Catalog {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        do {
            let queue = try DatabaseQueue(configuration: configuration)
            try migrate(queue, path: ":memory:")
            return Catalog(path: ":memory:", database: queue)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw classify(error, path: ":memory:")
        }
    }

    /// The migration identifiers applied to this catalog, oldest first.
    public func appliedMigrations() throws(CatalogError) -> [String] {
        try read { db in try CatalogSchema.migrator.completedMigrations(db) }
    }

    private static func migrate(_ writer: any DatabaseWriter, path: String) throws(CatalogError) {
        let migrator = CatalogSchema.migrator
        do {
            let (unknown, isCatalog) = try writer.read { db in
                let isEmpty = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master").isEmpty
                let hasMigrations = try db.tableExists("grdb_migrations")
                let unknown =
                    hasMigrations
                    ? try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) : []
                return (unknown, isEmpty || hasMigrations)
            }
            guard isCatalog else { throw CatalogError.notACatalog(path) }
            guard unknown.isEmpty else { throw CatalogError.newerSchema(path, unknown: unknown.sorted()) }
            try migrator.migrate(writer)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw classify(error, path: path)
        }
    }

    static func classify(_ error: any Error, path: String) -> CatalogError {
        if let error = error as? CatalogError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return .notACatalog(path, cause: error)
            case .SQLITE_CANTOPEN where !FileManager.default.fileExists(atPath: path):
                return .missing(path)
            case .SQLITE_CANTOPEN where access(path, R_OK) != 0 && errno == EACCES:
                return .notAllowed(path)
            default:
                return .database(path, error)
            }
        }
        return CatalogError(code: .database, path: path, message: "\(error)")
    }

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(CatalogError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(CatalogError) -> T {
        do {
            return try database.write(body)
        } catch {
            throw Self.classify(error, path: path)
        }
    }
}
