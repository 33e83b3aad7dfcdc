extension CatalogSchema {
    /// Which path of recognition accepted a landmark tag: `geo` (GPS, nearby landmarks) or `references`.
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v2 = Migration(
        identifier: "v2: landmark evidence",
        sql: """
            ALTER TABLE "tags" ADD COLUMN "evidence" TEXT;
            """)
}
