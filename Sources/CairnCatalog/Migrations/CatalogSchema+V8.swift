extension CatalogSchema {
    /// Photos a process has handed to a recognition worker and not finished: a row outlives the process only when it
    /// died on them (killed for memory, a crash in a decoder library). The next process runs such photos alone, one
    /// at a time with no other worker (`alone` set), and a photo whose row outlives a second process, while it ran
    /// alone, is marked damaged instead of taking the daemon down again (`Catalog+Attempts`).
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v8 = Migration(
        identifier: "v8: recognition attempts",
        sql: """
            CREATE TABLE recognition_attempts (
                photoId INTEGER PRIMARY KEY NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
                alone INTEGER NOT NULL DEFAULT 0
            );
            """)
}
