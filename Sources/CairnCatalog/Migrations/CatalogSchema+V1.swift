extension CatalogSchema {
    /// The first schema: photos (state `pending` → `indexed`, `damaged` or `unsupported` with `errorReason`;
    /// `removed` when gone from disk; `format` as sniffed from the bytes), their EXIF facts (`takenAt` local
    /// wall-clock time, `takenAtOffset` when the camera recorded it, `gpsTimestamp` in UTC, `locationIssue`: why GPS
    /// present in the file was not used), places per source (`exif`, `landmark`), tags, recognizers (`status`: the
    /// last load outcome), recognition per (photo, recognizer), an imported GeoNames dump, what the daemon reports
    /// about itself, and the album views (one place per photo: the EXIF place, else the landmark's; membership
    /// country ▸ city ▸ landmark).
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v1 = Migration(
        identifier: "v1: photos, facts, places, tags, recognition, albums",
        sql: """
            CREATE TABLE "photos" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "path" TEXT NOT NULL UNIQUE, "device" \
            INTEGER NOT NULL, "inode" INTEGER NOT NULL, "size" INTEGER NOT NULL, "mtimeNs" INTEGER NOT NULL, \
            "contentHash" TEXT, "format" TEXT, "state" TEXT NOT NULL CHECK ("state" IN ('pending', 'indexed', \
            'damaged', 'unsupported', 'removed')) DEFAULT 'pending', "errorReason" TEXT, "addedAt" DATETIME NOT NULL, \
            "updatedAt" DATETIME NOT NULL, "removedAt" DATETIME);
            CREATE INDEX "photos_on_device_inode" ON "photos"("device", "inode");
            CREATE INDEX "photos_on_contentHash" ON "photos"("contentHash");
            CREATE INDEX "photos_on_state" ON "photos"("state");
            CREATE TABLE "photo_facts" ("photoId" INTEGER PRIMARY KEY REFERENCES "photos"("id") ON DELETE CASCADE, \
            "takenAt" TEXT, "takenAtOffset" TEXT, "cameraMake" TEXT, "cameraModel" TEXT, "orientation" INTEGER, \
            "width" INTEGER, "height" INTEGER, "latitude" DOUBLE, "longitude" DOUBLE, "altitude" DOUBLE, \
            "gpsTimestamp" TEXT, "locationIssue" TEXT);
            CREATE INDEX "photo_facts_on_takenAt" ON "photo_facts"("takenAt");
            CREATE TABLE "photo_places" ("photoId" INTEGER NOT NULL REFERENCES "photos"("id") ON DELETE CASCADE, \
            "source" TEXT NOT NULL CHECK ("source" IN ('exif', 'landmark')), "countryCode" TEXT, "country" TEXT, \
            "adminRegion" TEXT, "city" TEXT, "gazetteerVersion" TEXT NOT NULL, PRIMARY KEY ("photoId", "source"));
            CREATE INDEX "photo_places_on_country_city" ON "photo_places"("country", "city");
            CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "photoId" INTEGER NOT NULL REFERENCES \
            "photos"("id") ON DELETE CASCADE, "kind" TEXT NOT NULL, "label" TEXT NOT NULL, "score" DOUBLE NOT NULL, \
            "recognizerId" TEXT NOT NULL, "recognizerVersion" TEXT NOT NULL);
            CREATE INDEX "tags_on_photoId" ON "tags"("photoId");
            CREATE INDEX "tags_on_kind_label" ON "tags"("kind", "label");
            CREATE TABLE "recognizers" ("id" TEXT PRIMARY KEY NOT NULL, "version" TEXT NOT NULL, "enabled" BOOLEAN \
            NOT NULL, "status" TEXT, "updatedAt" DATETIME NOT NULL);
            CREATE TABLE "recognition" ("photoId" INTEGER NOT NULL REFERENCES "photos"("id") ON DELETE CASCADE, \
            "recognizerId" TEXT NOT NULL, "recognizerVersion" TEXT NOT NULL, "state" TEXT NOT NULL CHECK ("state" IN \
            ('done', 'failed')), "error" TEXT, "updatedAt" DATETIME NOT NULL, PRIMARY KEY ("photoId", \
            "recognizerId"));
            CREATE TABLE "gazetteer_cities" ("geonameId" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "adminRegion" \
            TEXT, "countryCode" TEXT NOT NULL, "country" TEXT NOT NULL, "latitude" DOUBLE NOT NULL, "longitude" \
            DOUBLE NOT NULL, "population" INTEGER NOT NULL);
            CREATE TABLE "gazetteer_imports" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "source" TEXT NOT NULL, \
            "version" TEXT NOT NULL, "cities" INTEGER NOT NULL, "importedAt" DATETIME NOT NULL);
            CREATE TABLE "daemon_status" ("key" TEXT PRIMARY KEY NOT NULL, "value" TEXT NOT NULL, "updatedAt" \
            DATETIME NOT NULL);
            CREATE VIEW photo_place AS
            SELECT pp.* FROM photo_places pp
            JOIN photos p ON p.id = pp.photoId AND p.state <> 'removed'
            WHERE pp.country IS NOT NULL AND (pp.source = 'exif' OR NOT EXISTS (
                SELECT 1 FROM photo_places e
                WHERE e.photoId = pp.photoId AND e.source = 'exif' AND e.country IS NOT NULL));
            CREATE VIEW album_photos AS
            SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, t.label AS landmark
            FROM photo_place pl
            LEFT JOIN tags t ON t.photoId = pl.photoId AND t.kind = 'landmark';
            """)
}
