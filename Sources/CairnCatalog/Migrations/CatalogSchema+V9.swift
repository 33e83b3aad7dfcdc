extension CatalogSchema {
    /// XMP sidecars (`sidecars.mode`): where Cairn wrote each photo's sidecar and what (`sidecars`); the photos whose
    /// sidecar is due because their tags, places or path changed, kept by triggers (`sidecar_due`); the sidecars of
    /// photos purged from the catalog, to be stripped of Cairn's part (`sidecar_orphans`); the placement the
    /// sidecars were last written with (`sidecar_settings`). A landmark place keeps the landmark's position
    /// (`photo_places.latitude`, `longitude`), which a sidecar writes as the location shown. The triggers use no
    /// conflict clause (OR IGNORE): SQLite applies the firing statement's conflict policy inside a trigger instead,
    /// so an upsert of a tag or place would fail on a photo already due.
    /// Shipped: never edit this text; change the schema with a new migration.
    static let v9 = Migration(
        identifier: "v9: sidecars",
        sql: """
            ALTER TABLE photo_places ADD COLUMN latitude REAL;
            ALTER TABLE photo_places ADD COLUMN longitude REAL;
            CREATE TABLE sidecars (
                photoId INTEGER PRIMARY KEY NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                placement TEXT NOT NULL,
                fingerprint TEXT,
                error TEXT,
                updatedAt DATETIME NOT NULL
            );
            CREATE TABLE sidecar_due (
                photoId INTEGER PRIMARY KEY NOT NULL REFERENCES photos(id) ON DELETE CASCADE
            );
            CREATE TABLE sidecar_orphans (path TEXT PRIMARY KEY NOT NULL);
            CREATE TABLE sidecar_settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
            CREATE TRIGGER sidecar_due_tag_added AFTER INSERT ON tags BEGIN
                INSERT INTO sidecar_due (photoId)
                SELECT new.photoId WHERE NOT EXISTS (SELECT 1 FROM sidecar_due WHERE photoId = new.photoId);
            END;
            CREATE TRIGGER sidecar_due_tag_removed AFTER DELETE ON tags BEGIN
                INSERT INTO sidecar_due (photoId)
                SELECT old.photoId WHERE EXISTS (SELECT 1 FROM photos WHERE id = old.photoId)
                AND NOT EXISTS (SELECT 1 FROM sidecar_due WHERE photoId = old.photoId);
            END;
            CREATE TRIGGER sidecar_due_place_added AFTER INSERT ON photo_places BEGIN
                INSERT INTO sidecar_due (photoId)
                SELECT new.photoId WHERE NOT EXISTS (SELECT 1 FROM sidecar_due WHERE photoId = new.photoId);
            END;
            CREATE TRIGGER sidecar_due_place_changed AFTER UPDATE ON photo_places BEGIN
                INSERT INTO sidecar_due (photoId)
                SELECT new.photoId WHERE NOT EXISTS (SELECT 1 FROM sidecar_due WHERE photoId = new.photoId);
            END;
            CREATE TRIGGER sidecar_due_place_removed AFTER DELETE ON photo_places BEGIN
                INSERT INTO sidecar_due (photoId)
                SELECT old.photoId WHERE EXISTS (SELECT 1 FROM photos WHERE id = old.photoId)
                AND NOT EXISTS (SELECT 1 FROM sidecar_due WHERE photoId = old.photoId);
            END;
            CREATE TRIGGER sidecar_due_photo_moved AFTER UPDATE OF path ON photos BEGIN
                INSERT INTO sidecar_due (photoId)
                SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM sidecar_due WHERE photoId = new.id);
            END;
            CREATE TRIGGER sidecar_orphaned BEFORE DELETE ON photos BEGIN
                INSERT INTO sidecar_orphans (path) SELECT path FROM sidecars
                WHERE photoId = old.id AND path NOT IN (SELECT path FROM sidecar_orphans);
            END;
            """)
}
