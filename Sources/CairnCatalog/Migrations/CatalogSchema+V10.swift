extension CatalogSchema {
    /// Each photo's compact embedding from a recognizer that makes one (`embeddings`): float16 values,
    /// little-endian, unit length. Which version made it is the photo's `recognition` row for that recognizer,
    /// written in the same transaction; a photo's raw partner of a RAW+JPEG pair has none (its partner has).
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v10 = Migration(
        identifier: "v10: photo embeddings",
        sql: """
            CREATE TABLE photo_embeddings (
                photoId INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
                recognizerId TEXT NOT NULL,
                vector BLOB NOT NULL,
                PRIMARY KEY (photoId, recognizerId)
            ) WITHOUT ROWID;
            """)
}
