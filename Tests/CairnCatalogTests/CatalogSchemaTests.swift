@testable import CairnCatalog
import CairnTesting
import Foundation
import GRDB
import Testing

/// The shipped migrations are frozen SQL text: run from scratch, they make exactly the schema the Swift helpers they
/// replaced made (the fixture: `sqlite_master` of a catalog migrated by the code at db44bea).
@Suite struct CatalogSchemaTests {
    struct SchemaRow: Codable, Equatable, CustomStringConvertible {
        var type: String
        var name: String
        var tbl_name: String
        var sql: String?
        var description: String { "\(type) \(name): \(sql ?? "nil")" }
    }

    static let shipped = [
        "v1: photos, facts, places, tags, recognition, albums", "v2: landmark evidence",
        "v3: album tables kept by triggers", "v4: album member states and tag counts kept by triggers",
    ]

    func schema(_ path: String) throws -> [SchemaRow] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").map {
                SchemaRow(type: $0["type"], name: $0["name"], tbl_name: $0["tbl_name"], sql: $0["sql"])
            }
        }
    }

    @Test func theShippedMigrationsComeFirstInTheirOrder() {
        #expect(Array(CatalogSchema.migrations.map(\.identifier).prefix(Self.shipped.count)) == Self.shipped)
    }

    @Test func shippedMigrationsFromScratchMakeTheSchemaTheyMadeWhenTheyShipped() throws {
        let fixture = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/catalog/schema-db44bea.json")
        let expected = try JSONDecoder().decode([SchemaRow].self, from: Data(contentsOf: fixture))
        let folder = TemporaryDirectory()
        let path = folder.file("cairn.sqlite")
        let queue = try DatabaseQueue(path: path)
        try CatalogSchema.migrator.migrate(queue, upTo: try #require(Self.shipped.last))
        let actual = try schema(path)
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            #expect(a == e)
        }
        let applied = try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.sorted() == Self.shipped.sorted())
    }

    @Test func aCatalogOpenedForWritingHasEveryMigration() throws {
        let folder = TemporaryDirectory()
        let catalog = try Catalog.openForWriting(path: folder.file("cairn.sqlite"))
        #expect(try catalog.appliedMigrations() == CatalogSchema.migrations.map(\.identifier))
    }
}
