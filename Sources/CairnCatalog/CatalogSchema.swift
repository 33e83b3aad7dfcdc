import GRDB

/// The catalog's migrations, each a named SQL text frozen when it shipped (`Migrations/`). A shipped migration is
/// never edited, nor does it call code that could change: change the schema by adding a new one at the end of
/// `migrations`.
enum CatalogSchema {
    /// A named migration and the SQL it runs.
    struct Migration: Sendable {
        var identifier: String
        var sql: String
    }

    /// Every migration, oldest first.
    static let migrations: [Migration] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }
}
