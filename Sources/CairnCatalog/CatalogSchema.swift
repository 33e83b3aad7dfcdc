import GRDB

/// The catalog's migrations. A migration is never edited once it has shipped: change the schema by
/// registering a new one at the end.
enum CatalogSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: photos, facts, places, tags, recognition, albums") { db in
            try db.create(table: "photos") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("device", .integer).notNull()
                t.column("inode", .integer).notNull()
                t.column("size", .integer).notNull()
                t.column("mtimeNs", .integer).notNull()
                t.column("contentHash", .text)
                t.column("format", .text)  // jpeg, heif, avif, png, tiff, webp, as sniffed from the bytes
                // pending → indexed, damaged or unsupported (with errorReason); removed when gone from disk.
                t.column("state", .text).notNull().defaults(to: "pending")
                    .check { ["pending", "indexed", "damaged", "unsupported", "removed"].contains($0) }
                t.column("errorReason", .text)
                t.column("addedAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("removedAt", .datetime)
            }
            try db.create(index: "photos_on_device_inode", on: "photos", columns: ["device", "inode"])
            try db.create(index: "photos_on_contentHash", on: "photos", columns: ["contentHash"])
            try db.create(index: "photos_on_state", on: "photos", columns: ["state"])

            try db.create(table: "photo_facts") { t in
                t.primaryKey("photoId", .integer).references("photos", onDelete: .cascade)
                t.column("takenAt", .text)  // local wall-clock time, "YYYY-MM-DDTHH:MM:SS"
                t.column("takenAtOffset", .text)  // "+02:00" when the camera recorded it
                t.column("cameraMake", .text)
                t.column("cameraModel", .text)
                t.column("orientation", .integer)
                t.column("width", .integer)
                t.column("height", .integer)
                t.column("latitude", .double)
                t.column("longitude", .double)
                t.column("altitude", .double)
                t.column("gpsTimestamp", .text)  // UTC time of the GPS fix, "YYYY-MM-DDTHH:MM:SSZ"
                t.column("locationIssue", .text)  // why GPS tags present in the file were not used
            }
            try db.create(index: "photo_facts_on_takenAt", on: "photo_facts", columns: ["takenAt"])

            try db.create(table: "photo_places") { t in
                t.column("photoId", .integer).notNull().references("photos", onDelete: .cascade)
                t.column("source", .text).notNull().check { ["exif", "landmark"].contains($0) }
                t.column("countryCode", .text)
                t.column("country", .text)
                t.column("adminRegion", .text)
                t.column("city", .text)
                t.column("gazetteerVersion", .text).notNull()
                t.primaryKey(["photoId", "source"])
            }
            try db.create(index: "photo_places_on_country_city", on: "photo_places", columns: ["country", "city"])

            try db.create(table: "tags") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("photoId", .integer).notNull().indexed().references("photos", onDelete: .cascade)
                t.column("kind", .text).notNull()  // scene, landmark, …
                t.column("label", .text).notNull()
                t.column("score", .double).notNull()
                t.column("recognizerId", .text).notNull()
                t.column("recognizerVersion", .text).notNull()
            }
            try db.create(index: "tags_on_kind_label", on: "tags", columns: ["kind", "label"])

            try db.create(table: "recognizers") { t in
                t.primaryKey("id", .text)
                t.column("version", .text).notNull()
                t.column("enabled", .boolean).notNull()
                t.column("status", .text)  // last load outcome, shown by `cairn status`
                t.column("updatedAt", .datetime).notNull()
            }

            try db.create(table: "recognition") { t in
                t.column("photoId", .integer).notNull().references("photos", onDelete: .cascade)
                t.column("recognizerId", .text).notNull()
                t.column("recognizerVersion", .text).notNull()
                t.column("state", .text).notNull().check { ["done", "failed"].contains($0) }
                t.column("error", .text)
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["photoId", "recognizerId"])
            }

            // A GeoNames dump imported with `cairn places import`, used instead of libgeonames when configured.
            try db.create(table: "gazetteer_cities") { t in
                t.primaryKey("geonameId", .integer)
                t.column("name", .text).notNull()
                t.column("adminRegion", .text)
                t.column("countryCode", .text).notNull()
                t.column("country", .text).notNull()
                t.column("latitude", .double).notNull()
                t.column("longitude", .double).notNull()
                t.column("population", .integer).notNull()
            }
            try db.create(table: "gazetteer_imports") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("source", .text).notNull()  // the file imported
                t.column("version", .text).notNull()  // "geonames:<file name>:<content hash>"
                t.column("cities", .integer).notNull()
                t.column("importedAt", .datetime).notNull()
            }

            // What the running daemon reports about itself (watch coverage, reload outcome), for `cairn status`.
            try db.create(table: "daemon_status") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
            }

            // One place per photo for albums: the EXIF place when there is one, else the landmark's. (An EXIF row
            // without a country records that the gazetteer found nothing near the GPS position.)
            try db.execute(sql: """
                CREATE VIEW photo_place AS
                SELECT pp.* FROM photo_places pp
                JOIN photos p ON p.id = pp.photoId AND p.state <> 'removed'
                WHERE pp.country IS NOT NULL AND (pp.source = 'exif' OR NOT EXISTS (
                    SELECT 1 FROM photo_places e
                    WHERE e.photoId = pp.photoId AND e.source = 'exif' AND e.country IS NOT NULL))
                """)
            // Album membership: country ▸ city ▸ landmark (landmark NULL for photos of a city without one).
            try db.execute(sql: """
                CREATE VIEW album_photos AS
                SELECT pl.photoId, pl.countryCode, pl.country, pl.adminRegion, pl.city, t.label AS landmark
                FROM photo_place pl
                LEFT JOIN tags t ON t.photoId = pl.photoId AND t.kind = 'landmark'
                """)
        }
        migrator.registerMigration("v2: landmark evidence") { db in
            // Which path of recognition accepted a landmark tag: 'geo' (GPS, nearby landmarks) or 'references'.
            try db.alter(table: "tags") { t in t.add(column: "evidence", .text) }
        }
        migrator.registerMigration("v3: album tables kept by triggers") { db in
            try AlbumTables.create(db)
        }
        migrator.registerMigration("v4: album member states and tag counts kept by triggers") { db in
            try BrowsingCounts.create(db)
        }
        migrator.registerMigration("v5: tag detail") { db in
            // Why a tag was given, for a person (a landmark: score and threshold, checks, nearest reference).
            try db.execute(sql: "ALTER TABLE tags ADD COLUMN detail TEXT")
        }
        return migrator
    }
}
