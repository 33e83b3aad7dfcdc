extension CatalogSchema {
    /// Which library decoded a photo, and for a camera raw file which embedded preview ("LibRaw 0.20.2, embedded
    /// JPEG preview 1616×1080"), for `cairn photo`. Shipped: never edit this text; change the schema with a new
    /// migration.
    static let v6 = Migration(
        identifier: "v6: photo decoder",
        sql: """
            ALTER TABLE "photos" ADD COLUMN "decoder" TEXT;
            """)
}
