import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

@Suite struct CatalogMigrationTests {
    @Test func freshCatalogIsMigratedAndInWALMode() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("new/cairn.sqlite")
        let catalog = try Catalog.openForWriting(path: path)
        #expect(try catalog.appliedMigrations() == Catalog.knownMigrations)
        #expect(FileManager.default.fileExists(atPath: path))
        let mode = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func existingCatalogKeepsItsDataWhenReopened() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.sqlite")
        do {
            let catalog = try Catalog.openForWriting(path: path)
            try catalog.notePhoto(FileIdentity(path: "/p/a.jpg", device: 1, inode: 2, size: 3, mtimeNs: 4))
        }
        let reopened = try Catalog.openForWriting(path: path)
        #expect(try reopened.appliedMigrations() == Catalog.knownMigrations)
        #expect(try reopened.status().totalPhotos == 1)
        let reader = try Catalog.openReadOnly(path: path)
        #expect(try reader.status().photos["pending"] == 1)
    }

    @Test func walFilesStayAfterTheWriterClosesSoAReaderNeedNotCreateThem() throws {
        // Under systemd the group cairn reads /var/lib/cairn but may not create files there: with the -wal and -shm
        // files removed at cairnd's stop, `cairn status` failed ("attempt to write a readonly database").
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.sqlite")
        do {
            let catalog = try Catalog.openForWriting(path: path)
            try catalog.notePhoto(FileIdentity(path: "/p/a.jpg", device: 1, inode: 2, size: 3, mtimeNs: 4))
        }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(FileManager.default.fileExists(atPath: path + "-shm"))
        let reader = try Catalog.openReadOnly(path: path)
        #expect(try reader.status().totalPhotos == 1)
    }

    @Test func catalogOfANewerSchemaIsRefused() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.sqlite")
        _ = try Catalog.openForWriting(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
        }
        let readError = #expect(throws: CatalogError.self) { try Catalog.openReadOnly(path: path) }
        let writeError = #expect(throws: CatalogError.self) { try Catalog.openForWriting(path: path) }
        for error in [readError, writeError] {
            #expect(error?.code == .newerSchema)
            #expect(error?.description.contains("v99: from the future") == true)
        }
    }

    @Test func olderCatalogCannotBeBrowsedUntilUpgraded() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.sqlite")
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        #expect(throws: CatalogError.self) { try Catalog.openReadOnly(path: path) }
        // The daemon upgrades it.
        let catalog = try Catalog.openForWriting(path: path)
        #expect(try catalog.appliedMigrations() == Catalog.knownMigrations)
        #expect(try Catalog.openReadOnly(path: path).status().totalPhotos == 0)
    }

    @Test func missingAndForeignFilesAreReportedClearly() throws {
        let folder = TemporaryDirectory()
        let missing = #expect(throws: CatalogError.self) { try Catalog.openReadOnly(path: folder.file("none.sqlite")) }
        #expect(missing?.code == .missing)

        let photo = try folder.copy(TestPaths.data("distractors-dev/n01440764_tench.jpg"), to: "photo.jpg")
        let notSQLite = #expect(throws: CatalogError.self) { try Catalog.openReadOnly(path: photo) }
        #expect(notSQLite?.code == .notACatalog)
        let notSQLiteWrite = #expect(throws: CatalogError.self) { try Catalog.openForWriting(path: photo) }
        #expect(notSQLiteWrite?.code == .notACatalog)

        let other = folder.file("other.sqlite")
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE songs (title TEXT)") }
        #expect((#expect(throws: CatalogError.self) { try Catalog.openReadOnly(path: other) })?.code == .notACatalog)
        #expect((#expect(throws: CatalogError.self) { try Catalog.openForWriting(path: other) })?.code == .notACatalog)
    }

    @Test func browsingWorksWhileAWriterHoldsTheCatalog() throws {
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.sqlite")
        let writer = try Catalog.openForWriting(path: path)
        let reader = try Catalog.openReadOnly(path: path)
        for i in 0..<50 {
            try writer.notePhoto(FileIdentity(path: "/p/\(i).jpg", device: 1, inode: Int64(i), size: 1, mtimeNs: 1))
            #expect(try reader.status().totalPhotos == i + 1)
        }
    }
}
