extension CatalogSchema {
    /// Why a tag was given, for a person (a landmark: the score and the threshold it passed, the margin, the
    /// reference check, the nearest reference photo). Shipped: never edit this text; change the schema with a new
    /// migration.
    static let v5 = Migration(
        identifier: "v5: tag detail",
        sql: """
            ALTER TABLE "tags" ADD COLUMN "detail" TEXT;
            """)
}
