extension CatalogSchema {
    /// The library's own landmarks as discovery proposes them (`status`: `proposed`, `adopted` into a pack as
    /// `landmarkKey` named `name`, or `rejected`: hidden, and never proposed again for the same photos), with their
    /// place (the members' most common EXIF place), size, days (`firstDay`/`lastDay`: local dates), how alike the
    /// members look (`coherence`) and how much likelier look-alikes are there than elsewhere (`lift`, NULL:
    /// none elsewhere). `discovery_members` lists each proposal's photos, most typical first (`rank` 0…).
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v11 = Migration(
        identifier: "v11: discovered landmarks",
        sql: """
            CREATE TABLE discoveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                status TEXT NOT NULL CHECK (status IN ('proposed', 'adopted', 'rejected')),
                latitude DOUBLE NOT NULL,
                longitude DOUBLE NOT NULL,
                countryCode TEXT, country TEXT, adminRegion TEXT, city TEXT,
                photos INTEGER NOT NULL,
                days INTEGER NOT NULL,
                firstDay TEXT, lastDay TEXT,
                coherence DOUBLE NOT NULL,
                lift DOUBLE,
                landmarkKey TEXT, name TEXT,
                createdAt DATETIME NOT NULL,
                updatedAt DATETIME NOT NULL);
            CREATE INDEX discoveries_on_status ON discoveries (status);
            CREATE TABLE discovery_members (
                discoveryId INTEGER NOT NULL REFERENCES discoveries(id) ON DELETE CASCADE,
                photoId INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
                rank INTEGER NOT NULL,
                PRIMARY KEY (discoveryId, photoId)
            ) WITHOUT ROWID;
            CREATE INDEX discovery_members_on_photoId ON discovery_members (photoId);
            """)
}
